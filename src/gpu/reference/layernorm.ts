// Layer normalisation in plain TypeScript, accumulated in float64. The *64
// functions keep float64 results for gradient checks; the *Ref functions
// round to float32 like the GPU.

export const LAYERNORM_EPS = 1e-5;

export function layernormForward64(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>, N: number, C: number): { out: Float64Array; mean: Float64Array; rstd: Float64Array } {
  const out = new Float64Array(N * C), mean = new Float64Array(N), rstd = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    const base = n * C;
    let s = 0;
    for (let c = 0; c < C; c++) s += x[base + c];
    const m = s / C;
    let ss = 0;
    for (let c = 0; c < C; c++) ss += (x[base + c] - m) ** 2;
    const r = 1 / Math.sqrt(ss / C + LAYERNORM_EPS);
    for (let c = 0; c < C; c++) out[base + c] = (x[base + c] - m) * r * w[c] + b[c];
    mean[n] = m;
    rstd[n] = r;
  }
  return { out, mean, rstd };
}

export function layernormBackward64(dout: ArrayLike<number>, x: ArrayLike<number>, w: ArrayLike<number>, mean: ArrayLike<number>, rstd: ArrayLike<number>, N: number, C: number): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const dx = new Float64Array(N * C), dw = new Float64Array(C), db = new Float64Array(C);
  for (let n = 0; n < N; n++) {
    const base = n * C;
    // dx has three terms: the direct path through x̂, and the paths through the mean and through the variance.
    let meanG = 0, meanGXhat = 0;
    for (let c = 0; c < C; c++) {
      const g = dout[base + c] * w[c];
      const xhat = (x[base + c] - mean[n]) * rstd[n];
      meanG += g;
      meanGXhat += g * xhat;
      dw[c] += dout[base + c] * xhat;
      db[c] += dout[base + c];
    }
    meanG /= C;
    meanGXhat /= C;
    for (let c = 0; c < C; c++) {
      const xhat = (x[base + c] - mean[n]) * rstd[n];
      dx[base + c] = rstd[n] * (dout[base + c] * w[c] - meanG - xhat * meanGXhat);
    }
  }
  return { dx, dw, db };
}

export function layernormForwardRef(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>, N: number, C: number): { out: Float32Array; mean: Float32Array; rstd: Float32Array } {
  const r = layernormForward64(x, w, b, N, C);
  return { out: Float32Array.from(r.out), mean: Float32Array.from(r.mean), rstd: Float32Array.from(r.rstd) };
}

export function layernormBackwardRef(dout: ArrayLike<number>, x: ArrayLike<number>, w: ArrayLike<number>, mean: ArrayLike<number>, rstd: ArrayLike<number>, N: number, C: number): { dx: Float32Array; dw: Float32Array; db: Float32Array } {
  const r = layernormBackward64(dout, x, w, mean, rstd, N, C);
  return { dx: Float32Array.from(r.dx), dw: Float32Array.from(r.dw), db: Float32Array.from(r.db) };
}

/**
 * The backward of y = x + f(LayerNorm(x)) through the layernorm branch and the
 * skip connection: dx = dres + (the layernorm's dx), where dres = ∂L/∂y and
 * dout = ∂L/∂LayerNorm(x). dw and db as layernormBackward64.
 */
export function layernormBackwardResidual64(
  dout: ArrayLike<number>,
  dres: ArrayLike<number>,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  mean: ArrayLike<number>,
  rstd: ArrayLike<number>,
  N: number,
  C: number,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const g = layernormBackward64(dout, x, w, mean, rstd, N, C);
  return { ...g, dx: g.dx.map((v, i) => dres[i] + v) };
}

export function layernormBackwardResidualRef(
  dout: ArrayLike<number>,
  dres: ArrayLike<number>,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  mean: ArrayLike<number>,
  rstd: ArrayLike<number>,
  N: number,
  C: number,
): { dx: Float32Array; dw: Float32Array; db: Float32Array } {
  const g = layernormBackwardResidual64(dout, dres, x, w, mean, rstd, N, C);
  return { dx: Float32Array.from(g.dx), dw: Float32Array.from(g.dw), db: Float32Array.from(g.db) };
}
