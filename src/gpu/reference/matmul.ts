// Plain matrix products, accumulated in float64, that the GPU kernels are held to.

export type MatmulLayout = 'nn' | 'nt' | 'tn';
// nn: C[M,N] = A[M,K]·B[K,N];  nt: C[M,N] = A[M,K]·B[N,K]ᵀ;  tn: C[M,N] = A[K,M]ᵀ·B[K,N]

/** Element (m, k) of the left operand and (k, n) of the right one, as each layout stores them. */
function strides(layout: MatmulLayout, M: number, K: number, N: number): { am: number; ak: number; bk: number; bn: number } {
  switch (layout) {
    case 'nn':
      return { am: K, ak: 1, bk: N, bn: 1 };
    case 'nt':
      return { am: K, ak: 1, bk: 1, bn: K };
    case 'tn':
      return { am: 1, ak: M, bk: N, bn: 1 };
  }
}

/**
 * C = A·B in the given layout; `bias` (length N) is added to every row, and
 * with `accumulateInto` the result is added to those values (bias still once).
 */
export function matmulRef(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  M: number,
  K: number,
  N: number,
  layout: MatmulLayout,
  bias?: ArrayLike<number>,
  accumulateInto?: ArrayLike<number>,
): Float32Array {
  if (a.length !== M * K || b.length !== K * N) throw new Error(`matmulRef: A has ${a.length}, B ${b.length} values for M=${M} K=${K} N=${N}`);
  if (bias && bias.length !== N) throw new Error(`matmulRef: bias has ${bias.length} values, expected N=${N}`);
  if (accumulateInto && accumulateInto.length !== M * N) throw new Error(`matmulRef: accumulateInto has ${accumulateInto.length} values, expected ${M * N}`);
  const product = matmul64(a, b, M, K, N, layout);
  const out = new Float32Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = product[m * N + n];
      if (bias) s += bias[n];
      if (accumulateInto) s += accumulateInto[m * N + n];
      out[m * N + n] = s;
    }
  }
  return out;
}

/** C = A·B in the given layout, kept in float64 (for gradient checks). */
export function matmul64(a: ArrayLike<number>, b: ArrayLike<number>, M: number, K: number, N: number, layout: MatmulLayout): Float64Array {
  const { am, ak, bk, bn } = strides(layout, M, K, N);
  const out = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[m * am + k * ak] * b[k * bk + n * bn];
      out[m * N + n] = s;
    }
  }
  return out;
}

/** dbias[N] = Σ_rows dout[M,N] (column sums), the bias gradient. */
export function columnSumRef(x: ArrayLike<number>, M: number, N: number): Float32Array {
  if (x.length !== M * N) throw new Error(`columnSumRef: ${x.length} values for M=${M} N=${N}`);
  const sums = new Float64Array(N);
  for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) sums[n] += x[m * N + n];
  return Float32Array.from(sums);
}
