// AdamW (decoupled weight decay) with global-norm gradient clipping, in float64
// per element, stored as float32.

export interface AdamWConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Clip the global gradient norm to this; ≤ 0 disables clipping. */
  maxGradNorm: number;
  /** 1-based step number, for bias correction. */
  step: number;
  /** Weight decay applies to elements [0, decayCount) (the model lays out its matrices first). */
  decayCount: number;
}

/** Clip factor min(1, maxNorm / (‖g‖ + 1e-6)), or 1 when clipping is off. */
export function clipScale(gradNorm: number, maxGradNorm: number): number {
  return maxGradNorm > 0 ? Math.min(1, maxGradNorm / (gradNorm + 1e-6)) : 1;
}

export function adamwRef(
  params: ArrayLike<number>,
  grads: ArrayLike<number>,
  m: ArrayLike<number>,
  v: ArrayLike<number>,
  cfg: AdamWConfig,
): { params: Float32Array; m: Float32Array; v: Float32Array; gradNorm: number } {
  const n = params.length;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += grads[i] * grads[i];
  const gradNorm = Math.sqrt(sq);
  const scale = clipScale(gradNorm, cfg.maxGradNorm);
  const bc1 = 1 - cfg.beta1 ** cfg.step;
  const bc2 = 1 - cfg.beta2 ** cfg.step;
  const out = { params: new Float32Array(n), m: new Float32Array(n), v: new Float32Array(n), gradNorm };
  for (let i = 0; i < n; i++) {
    const g = grads[i] * scale;
    const mi = cfg.beta1 * m[i] + (1 - cfg.beta1) * g;
    const vi = cfg.beta2 * v[i] + (1 - cfg.beta2) * g * g;
    let theta = params[i];
    if (i < cfg.decayCount) theta *= 1 - cfg.lr * cfg.weightDecay;
    out.params[i] = theta - ((cfg.lr / bc1) * mi) / (Math.sqrt(vi / bc2) + cfg.eps);
    out.m[i] = mi;
    out.v[i] = vi;
  }
  return out;
}
