// Causal multi-head self-attention in plain TypeScript, accumulated in
// float64. qkv [B·T, 3C] rows are [q | k | v]; head h owns channels
// h·hs .. h·hs + hs − 1 of each part; scores are scaled by 1/√hs. The *64
// functions keep float64 results for gradient checks.

interface Dims {
  B: number;
  T: number;
  C: number;
  H: number;
}

function headSize({ C, H }: Dims): number {
  if (C % H !== 0) throw new Error(`attention: C=${C} is not divisible by H=${H}`);
  return C / H;
}

export function attentionForward64(qkv: ArrayLike<number>, B: number, T: number, C: number, H: number): { out: Float64Array; att: Float64Array } {
  const hs = headSize({ B, T, C, H });
  const scale = 1 / Math.sqrt(hs);
  const out = new Float64Array(B * T * C), att = new Float64Array(B * H * T * T);
  const scores = new Float64Array(T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const q = (b * T + t) * 3 * C + h * hs;
        let max = -Infinity;
        for (let j = 0; j <= t; j++) {
          const k = (b * T + j) * 3 * C + C + h * hs;
          let s = 0;
          for (let d = 0; d < hs; d++) s += qkv[q + d] * qkv[k + d];
          scores[j] = s * scale;
          max = Math.max(max, scores[j]);
        }
        let sum = 0;
        for (let j = 0; j <= t; j++) sum += (scores[j] = Math.exp(scores[j] - max));
        const arow = ((b * H + h) * T + t) * T;
        for (let j = 0; j <= t; j++) att[arow + j] = scores[j] / sum;
        const o = (b * T + t) * C + h * hs;
        for (let j = 0; j <= t; j++) {
          const v = (b * T + j) * 3 * C + 2 * C + h * hs;
          for (let d = 0; d < hs; d++) out[o + d] += att[arow + j] * qkv[v + d];
        }
      }
    }
  }
  return { out, att };
}

export function attentionBackward64(dout: ArrayLike<number>, qkv: ArrayLike<number>, att: ArrayLike<number>, B: number, T: number, C: number, H: number): Float64Array {
  const hs = headSize({ B, T, C, H });
  const scale = 1 / Math.sqrt(hs);
  const dqkv = new Float64Array(B * T * 3 * C);
  const dp = new Float64Array(T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const arow = ((b * H + h) * T + t) * T;
        const o = (b * T + t) * C + h * hs;
        const q = (b * T + t) * 3 * C + h * hs;
        // out = Σ_j p_j v_j gives dv_j and dp_j; the softmax Jacobian turns dp into dscore.
        let weighted = 0;
        for (let j = 0; j <= t; j++) {
          const v = (b * T + j) * 3 * C + 2 * C + h * hs;
          let s = 0;
          for (let d = 0; d < hs; d++) {
            s += dout[o + d] * qkv[v + d];
            dqkv[v + d] += att[arow + j] * dout[o + d];
          }
          dp[j] = s;
          weighted += att[arow + j] * s;
        }
        for (let j = 0; j <= t; j++) {
          const dscore = att[arow + j] * (dp[j] - weighted) * scale;
          const k = (b * T + j) * 3 * C + C + h * hs;
          for (let d = 0; d < hs; d++) {
            dqkv[q + d] += dscore * qkv[k + d];
            dqkv[k + d] += dscore * qkv[q + d];
          }
        }
      }
    }
  }
  return dqkv;
}

export function attentionForwardRef(qkv: ArrayLike<number>, B: number, T: number, C: number, H: number): { out: Float32Array; att: Float32Array } {
  const r = attentionForward64(qkv, B, T, C, H);
  return { out: Float32Array.from(r.out), att: Float32Array.from(r.att) };
}

export function attentionBackwardRef(dout: ArrayLike<number>, qkv: ArrayLike<number>, att: ArrayLike<number>, B: number, T: number, C: number, H: number): Float32Array {
  return Float32Array.from(attentionBackward64(dout, qkv, att, B, T, C, H));
}

/**
 * One decode step for B sequences, each at its own position pos[b]: k and v
 * of qkv row b [3C] go into the caches [B, Tmax, C] at pos[b], then q attends
 * over positions 0..pos[b]. Returns new caches; the inputs are not modified.
 */
export function attentionDecodeRef(
  qkv: ArrayLike<number>,
  kCache: ArrayLike<number>,
  vCache: ArrayLike<number>,
  pos: ArrayLike<number>,
  B: number,
  Tmax: number,
  C: number,
  H: number,
): { out: Float32Array; kCache: Float32Array; vCache: Float32Array } {
  const hs = headSize({ B, T: Tmax, C, H });
  const scale = 1 / Math.sqrt(hs);
  const k = Float32Array.from(kCache), v = Float32Array.from(vCache);
  const out = new Float32Array(B * C);
  const scores = new Float64Array(Tmax);
  for (let b = 0; b < B; b++) {
    const P = pos[b];
    if (P >= Tmax) throw new Error(`attentionDecodeRef: pos[${b}]=${P} is past the cache (Tmax=${Tmax})`);
    for (let c = 0; c < C; c++) {
      k[(b * Tmax + P) * C + c] = qkv[b * 3 * C + C + c];
      v[(b * Tmax + P) * C + c] = qkv[b * 3 * C + 2 * C + c];
    }
    for (let h = 0; h < H; h++) {
      const q = b * 3 * C + h * hs;
      let max = -Infinity;
      for (let j = 0; j <= P; j++) {
        let s = 0;
        for (let d = 0; d < hs; d++) s += qkv[q + d] * k[(b * Tmax + j) * C + h * hs + d];
        scores[j] = s * scale;
        max = Math.max(max, scores[j]);
      }
      let sum = 0;
      for (let j = 0; j <= P; j++) sum += (scores[j] = Math.exp(scores[j] - max));
      for (let d = 0; d < hs; d++) {
        let acc = 0;
        for (let j = 0; j <= P; j++) acc += scores[j] * v[(b * Tmax + j) * C + h * hs + d];
        out[b * C + h * hs + d] = acc / sum;
      }
    }
  }
  return { out, kCache: k, vCache: v };
}

/**
 * A packed row's place in attention (src/rl/packing.ts): it attends rows
 * a0 … a0+alen−1 and then b0 … itself, in that order, and rows itself …
 * qend−1 attend it. Four numbers per row, [N·4].
 */
export type PackedSegments = ArrayLike<number>;

/** The rows row n attends, in order. */
export function packedKeys(segments: PackedSegments, n: number): number[] {
  const a0 = segments[4 * n], alen = segments[4 * n + 1], b0 = segments[4 * n + 2];
  const keys: number[] = [];
  for (let j = 0; j < alen; j++) keys.push(a0 + j);
  for (let j = b0; j <= n; j++) keys.push(j);
  return keys;
}

/**
 * Attention over N packed rows, each over its own key list (`packedKeys`):
 * qkv [N, 3C] → out [N, C], att [H, N, Tk] with entry jj of row n's list at
 * (h·N + n)·Tk + jj (zero past the list). Float64.
 */
export function attentionForwardPacked64(qkv: ArrayLike<number>, segments: PackedSegments, N: number, Tk: number, C: number, H: number): { out: Float64Array; att: Float64Array } {
  const hs = headSize({ B: N, T: Tk, C, H });
  const scale = 1 / Math.sqrt(hs);
  const out = new Float64Array(N * C), att = new Float64Array(H * N * Tk);
  for (let n = 0; n < N; n++) {
    const keys = packedKeys(segments, n);
    if (keys.length > Tk) throw new Error(`attentionForwardPacked: row ${n} attends ${keys.length} rows, more than Tk=${Tk}`);
    for (let h = 0; h < H; h++) {
      const q = n * 3 * C + h * hs;
      const scores = keys.map((j) => {
        let s = 0;
        for (let d = 0; d < hs; d++) s += qkv[q + d] * qkv[j * 3 * C + C + h * hs + d];
        return s * scale;
      });
      const max = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - max));
      const sum = e.reduce((a, b) => a + b, 0);
      const arow = (h * N + n) * Tk;
      keys.forEach((j, jj) => {
        const w = (att[arow + jj] = e[jj] / sum);
        for (let d = 0; d < hs; d++) out[n * C + h * hs + d] += w * qkv[j * 3 * C + 2 * C + h * hs + d];
      });
    }
  }
  return { out, att };
}

/** dqkv [N, 3C] of the packed attention from dout [N, C], qkv and the forward's att. Float64. */
export function attentionBackwardPacked64(dout: ArrayLike<number>, qkv: ArrayLike<number>, att: ArrayLike<number>, segments: PackedSegments, N: number, Tk: number, C: number, H: number): Float64Array {
  const hs = headSize({ B: N, T: Tk, C, H });
  const scale = 1 / Math.sqrt(hs);
  const dqkv = new Float64Array(N * 3 * C);
  for (let n = 0; n < N; n++) {
    const keys = packedKeys(segments, n);
    for (let h = 0; h < H; h++) {
      const arow = (h * N + n) * Tk;
      const o = n * C + h * hs, q = n * 3 * C + h * hs;
      const dp = keys.map((j, jj) => {
        const v = j * 3 * C + 2 * C + h * hs;
        let s = 0;
        for (let d = 0; d < hs; d++) {
          s += dout[o + d] * qkv[v + d];
          dqkv[v + d] += att[arow + jj] * dout[o + d];
        }
        return s;
      });
      const weighted = keys.reduce((acc, _, jj) => acc + att[arow + jj] * dp[jj], 0);
      keys.forEach((j, jj) => {
        const dscore = att[arow + jj] * (dp[jj] - weighted) * scale;
        const k = j * 3 * C + C + h * hs;
        for (let d = 0; d < hs; d++) {
          dqkv[q + d] += dscore * qkv[k + d];
          dqkv[k + d] += dscore * qkv[q + d];
        }
      });
    }
  }
  return dqkv;
}
