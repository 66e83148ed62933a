// Synthetic metric rows for tests of links, exports and charts. They have the
// shape of real rows and smooth made-up values; nothing here trains.

import type { EvalRow, MetricsRow, TrainRow } from '../rl/types';

export function syntheticTrainRow(step: number, lift = 1): TrainRow {
  const p = Math.min(0.95, 0.1 + 0.004 * step * lift);
  return {
    kind: 'train',
    step,
    loss: 0.5 / (1 + step / 20) - 0.01,
    rewardMean: p,
    rewardStd: Math.sqrt(p * (1 - p)),
    fracRewardZeroStd: 0.2,
    fracGroupsIdentical: 0,
    pass1: p,
    wellFormed: 0.98,
    entropy: 1.5 * Math.exp(-step / 100),
    kl: 0.001 * step,
    clipLow: 0.01,
    clipHigh: null,
    varABefore: 0.9,
    varAAfter: 1 / 3 + step * 1e-4,
    samplesKept: 64,
    tokensKept: 0.5,
    tokensUsed: 900 * step,
    completionLength: 12.25,
    updateRows: null,
    updateTokens: null,
    qMean: null,
    qAbsMean: null,
    targetMean: null,
    vNextMean: null,
    gradNorm: 0.75,
    tokensPerSec: 12345.678,
    stepMs: 80,
  };
}

export function syntheticEvalRow(step: number, lift = 1): EvalRow {
  const p1 = Math.min(0.9, 0.1 + 0.003 * step * lift);
  return {
    kind: 'eval',
    step,
    prompts: 16,
    samples: 8,
    passAtK: [1, 2, 4, 8].map((k) => ({ k, value: 1 - (1 - p1) ** k })),
    distinctCorrect: 1 + step / 50,
    coverage: null,
    distinctAnswers: 5,
    distinctN: [0.4, 0.6, 0.7, 0.75],
    entropy: 1.2,
    wellFormed: 0.97,
  };
}

export function syntheticRun(steps: number, evalEvery: number, lift = 1): MetricsRow[] {
  const rows: MetricsRow[] = [syntheticEvalRow(0, lift)];
  for (let s = 1; s <= steps; s++) {
    rows.push(syntheticTrainRow(s, lift));
    if (s % evalEvery === 0) rows.push(syntheticEvalRow(s, lift));
  }
  return rows;
}
