// Plain TypeScript reference for rl/grpo.ts, in float64. `loss` alone is the
// function the finite-difference tests differentiate.

import { DEFAULT_GRPO, type GrpoConfig, type GrpoMetrics } from '../grpo';

export interface GrpoBatch {
  S: number;
  T: number;
  logp: ArrayLike<number>;
  oldLogp: ArrayLike<number>;
  refLogp: ArrayLike<number>;
  mask: ArrayLike<number>;
  advantages: ArrayLike<number>;
  keep?: ArrayLike<number>;
}

export function grpoLossRef(batch: GrpoBatch, config: Partial<GrpoConfig> = {}): { dlogp: Float64Array; metrics: GrpoMetrics } {
  const cfg = { ...DEFAULT_GRPO, ...config };
  const { S, T, logp, oldLogp, refLogp, mask, advantages, keep } = batch;
  const maxLen = cfg.maxLen ?? T;
  const sumNormSequences = cfg.sequences ?? S;
  const grad = new Float64Array(S * T);
  const rowWeight = new Float64Array(S);
  const rowLoss = new Float64Array(S);
  let clipLow = 0, clipHigh = 0, k3Sum = 0, ratioSum = 0;
  for (let s = 0; s < S; s++) {
    const A = advantages[s];
    for (let t = 0; t < T; t++) {
      const i = s * T + t;
      const w = mask[i] * (keep ? keep[i] : 1);
      if (w === 0) continue;
      const ratio = Math.exp(logp[i] - oldLogp[i]);
      const clipped = Math.min(Math.max(ratio, 1 - cfg.epsLow), 1 + cfg.epsHigh);
      const low = A < 0 && ratio < 1 - cfg.epsLow;
      const high = A > 0 && ratio > 1 + cfg.epsHigh;
      const q = refLogp[i] - logp[i];
      const k3 = Math.exp(q) - q - 1;
      let loss = -Math.min(ratio * A, clipped * A);
      // d/dlogp of −ρA is −ρA; the clipped branch is constant.
      let g = low || high ? 0 : -A * ratio;
      if (cfg.beta !== 0) {
        loss += cfg.beta * k3;
        g += cfg.beta * (1 - Math.exp(q));
      }
      grad[i] = w * g;
      rowWeight[s] += w;
      rowLoss[s] += w * loss;
      if (low) clipLow += w;
      if (high) clipHigh += w;
      k3Sum += w * k3;
      ratioSum += w * ratio;
    }
  }
  const tokens = rowWeight.reduce((a, w) => a + w, 0);
  const sequences = rowWeight.reduce((a, w) => a + (w > 0 ? 1 : 0), 0);
  const lossSum = rowLoss.reduce((a, l) => a + l, 0);
  let loss: number;
  const denominator = (s: number): number =>
    cfg.aggregation === 'token-mean' ? tokens : cfg.aggregation === 'seq-mean-token-mean' ? rowWeight[s] * sequences : sumNormSequences * maxLen;
  if (cfg.aggregation === 'token-mean') loss = tokens > 0 ? lossSum / tokens : 0;
  else if (cfg.aggregation === 'seq-mean-token-mean') loss = sequences > 0 ? rowLoss.reduce((a, l, s) => a + (rowWeight[s] > 0 ? l / rowWeight[s] : 0), 0) / sequences : 0;
  else loss = lossSum / (sumNormSequences * maxLen);
  for (let i = 0; i < S * T; i++) {
    const d = denominator(Math.floor(i / T));
    grad[i] = d > 0 ? grad[i] / d : 0;
  }
  const perToken = tokens > 0 ? 1 / tokens : 0;
  return {
    dlogp: grad,
    metrics: { loss, clip_low: clipLow * perToken, clip_high: clipHigh * perToken, kl: k3Sum * perToken, ratio_mean: ratioSum * perToken, tokens, sequences },
  };
}
