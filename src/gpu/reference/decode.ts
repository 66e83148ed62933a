// Plain TypeScript mirrors of shaders/decode.wgsl (the sampler's bookkeeping).
// Row r, column t of an [R, T] array sits at r·T + t; state is [R, 4] =
// (prompt length, completion length, ended with EOS, done).

/** out [R, C] = wte[tokens[r, s]] + wpe[s] with s = positions[r]. */
export function decodeEmbedRef(tokens: ArrayLike<number>, wte: ArrayLike<number>, wpe: ArrayLike<number>, R: number, T: number, C: number, positions: ArrayLike<number>): Float32Array {
  const out = new Float32Array(R * C);
  for (let r = 0; r < R; r++) {
    const s = positions[r];
    const tok = tokens[r * T + s];
    for (let c = 0; c < C; c++) out[r * C + c] = Math.fround(wte[tok * C + c] + wpe[s * C + c]);
  }
  return out;
}

export interface DecodeRowsRef {
  tokens: Uint32Array;
  targets: Uint32Array;
  mask: Float32Array;
  logp: Float32Array;
  state: Uint32Array;
}

/** advance each row r at position positions[r], in place: the same rules as shaders/decode.wgsl. */
export function advanceRowsRef(rows: DecodeRowsRef, sampled: ArrayLike<number>, sampledLogp: ArrayLike<number>, R: number, T: number, positions: ArrayLike<number>, ids: { maxNew: number; pad: number; eos: number }): void {
  for (let r = 0; r < R; r++) {
    const s = positions[r];
    const next = s + 1;
    if (next >= T) continue;
    const at = r * T + s;
    const st = rows.state.subarray(4 * r, 4 * r + 4);
    let tok = ids.pad;
    if (next < st[0]) tok = rows.tokens[at + 1];
    else if (st[3] === 0) {
      tok = sampled[r];
      rows.tokens[at + 1] = tok;
      rows.mask[at] = 1;
      rows.logp[at] = sampledLogp[r];
      st[1]++;
      if (tok === ids.eos) st[2] = 1;
      if (tok === ids.eos || st[1] >= ids.maxNew || next + 1 >= T) st[3] = 1;
    }
    rows.targets[at] = tok;
  }
}

/** kCache, vCache [R, cacheLen, C] with positions 0..prefix−1 set from qkv [(R / share)·prefix, 3C], sequence ⌊r / share⌋ into row r (the rest unchanged). */
export function fillCacheRef(qkv: ArrayLike<number>, kCache: Float32Array, vCache: Float32Array, R: number, prefix: number, cacheLen: number, C: number, share = 1): void {
  for (let r = 0; r < R; r++) {
    for (let t = 0; t < prefix; t++) {
      const row = (Math.floor(r / share) * prefix + t) * 3 * C;
      const dst = (r * cacheLen + t) * C;
      for (let c = 0; c < C; c++) {
        kCache[dst + c] = qkv[row + C + c];
        vCache[dst + c] = qkv[row + 2 * C + c];
      }
    }
  }
}
