// Plain TypeScript reference for rl/d3s.ts. Variances are float64; the scores
// that feed a top-k (|A|·H and the variance contributions) are rounded to
// float32 the way the GPU computes them, so ties order identically.

import { type D3sMetrics, type D3sSelection, toBasisPoints, tokenKeepCount } from '../d3s';

const VAR_TIE = 1e-5;
const f = Math.fround;

function populationVariance(values: readonly number[]): number {
  const mean = values.reduce((a, v) => a + v, 0) / values.length;
  return values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
}

/** Indices of one group's N_s-subset of maximal Var(A): j largest + N_s − j smallest, smallest j among ties. */
export function maxVarianceSubsetRef(advantages: readonly number[], keepCount: number): number[] {
  const G = advantages.length;
  const order = advantages.map((_, i) => i).sort((a, b) => advantages[a] - advantages[b] || a - b);
  const subset = (j: number) => [...order.slice(0, keepCount - j), ...order.slice(G - j)];
  const variances = Array.from({ length: keepCount + 1 }, (_, j) => populationVariance(subset(j).map((i) => advantages[i])));
  const best = Math.max(...variances);
  return subset(variances.findIndex((v) => v >= best - VAR_TIE * best));
}

/** The k eligible indices of largest score, ties to the lower index (scores not > 0 count as 0). */
export function topkRef(score: ArrayLike<number>, eligible: ArrayLike<number>, k: number): Uint8Array {
  const keep = new Uint8Array(score.length);
  const clean = (i: number) => (score[i] > 0 ? score[i] : 0);
  const idx = Array.from({ length: score.length }, (_, i) => i).filter((i) => eligible[i] > 0.5);
  idx.sort((a, b) => clean(b) - clean(a) || a - b);
  for (const i of idx.slice(0, k)) keep[i] = 1;
  return keep;
}

export interface D3sBatch {
  S: number;
  T: number;
  advantages: ArrayLike<number>;
  entropy: ArrayLike<number>;
  mask: ArrayLike<number>;
}

export function d3sSelectRef(batch: D3sBatch, sel: D3sSelection): { keep: Uint8Array; sampleKeep: Uint8Array; metrics: D3sMetrics } {
  const { S, T, advantages, entropy, mask } = batch;
  const G = sel.groupSize;
  const groupKeep = new Uint8Array(S);
  const candidate = new Uint8Array(S);
  const contribution = new Float32Array(S);
  for (let base = 0; base < S; base += G) {
    const group = Array.from({ length: G }, (_, g) => advantages[base + g]);
    const chosen = maxVarianceSubsetRef(group, sel.samplesPerGroup);
    const positive = populationVariance(chosen.map((i) => group[i])) > 0;
    // The same float32 operations, in the same order, as the shader's subset_mean.
    let sum = 0;
    for (const i of chosen) sum = f(sum + group[i]);
    const mean = f(sum / chosen.length);
    for (const i of chosen) {
      groupKeep[base + i] = 1;
      candidate[base + i] = positive ? 1 : 0;
      const d = f(group[i] - mean);
      contribution[base + i] = f(d * d);
    }
  }
  const sampleKeep = sel.batchKeep === null ? groupKeep : topkRef(contribution, candidate, sel.batchKeep);
  const score = new Float32Array(S * T);
  const eligible = new Uint8Array(S * T);
  for (let i = 0; i < S * T; i++) {
    const s = Math.floor(i / T);
    score[i] = f(Math.abs(advantages[s]) * entropy[i]);
    eligible[i] = mask[i] > 0.5 && sampleKeep[s] ? 1 : 0;
  }
  const nEligible = eligible.reduce((a, e) => a + e, 0);
  const keep = topkRef(score, eligible, tokenKeepCount(nEligible, sel.tokenFraction));

  const all = Array.from(advantages);
  const kept = all.filter((_, s) => sampleKeep[s]);
  const tokensTotal = Array.from(mask).reduce((a, m) => a + m, 0);
  return {
    keep,
    sampleKeep,
    metrics: {
      samples_kept: kept.length,
      tokens_kept: keep.reduce((a, k) => a + k, 0),
      adv_var_before: populationVariance(all),
      adv_var_after: kept.length > 0 ? populationVariance(kept) : 0,
      tokens_in_kept_samples: nEligible,
      tokens_total: tokensTotal,
      samples_per_group: sel.samplesPerGroup,
      token_fraction: toBasisPoints(sel.tokenFraction) / 10_000,
    },
  };
}
