// Token + position embedding in plain TypeScript; row r of the B·T rows sits
// at position r % T, or at positions[r] when given (packed rows).

export function embeddingForwardRef(tokens: ArrayLike<number>, wte: ArrayLike<number>, wpe: ArrayLike<number>, B: number, T: number, C: number, positions?: ArrayLike<number>): Float32Array {
  return Float32Array.from(embeddingForward64(tokens, wte, wpe, B, T, C, positions));
}

/** The forward pass in float64, for gradient checks. */
export function embeddingForward64(tokens: ArrayLike<number>, wte: ArrayLike<number>, wpe: ArrayLike<number>, B: number, T: number, C: number, positions?: ArrayLike<number>): Float64Array {
  const out = new Float64Array(B * T * C);
  for (let r = 0; r < B * T; r++) {
    const tok = tokens[r] * C, pos = (positions ? positions[r] : r % T) * C;
    for (let c = 0; c < C; c++) out[r * C + c] = wte[tok + c] + wpe[pos + c];
  }
  return out;
}

/** Float64 sums, rounded once; dwpe rows T..Tmax−1 are zero. */
export function embeddingBackwardRef(dout: ArrayLike<number>, tokens: ArrayLike<number>, B: number, T: number, C: number, V: number, Tmax: number, positions?: ArrayLike<number>): { dwte: Float32Array; dwpe: Float32Array } {
  const dwte = new Float64Array(V * C), dwpe = new Float64Array(Tmax * C);
  for (let r = 0; r < B * T; r++) {
    const tok = tokens[r] * C, pos = (positions ? positions[r] : r % T) * C;
    for (let c = 0; c < C; c++) {
      dwte[tok + c] += dout[r * C + c];
      dwpe[pos + c] += dout[r * C + c];
    }
  }
  return { dwte: Float32Array.from(dwte), dwpe: Float32Array.from(dwpe) };
}
