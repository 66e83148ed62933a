// What a training run reports. Rows are plain JSON: they cross the worker
// boundary, go into IndexedDB, metrics.jsonl files and share links unchanged.

import type { RunConfig } from './config';

/** Logged after every training step. Fields an algorithm does not use are null. */
export interface TrainRow {
  kind: 'train';
  step: number;
  loss: number;
  rewardMean: number;
  rewardStd: number;
  fracRewardZeroStd: number;
  /** Share of groups whose completions are all the same text (collapse); null in rows recorded before it was logged. */
  fracGroupsIdentical: number | null;
  /** Fraction of this step's sampled completions that are correct. */
  pass1: number;
  /** Fraction of this step's completions in the task's answer form (parseable, right or wrong); null in rows recorded before it was logged. */
  wellFormed: number | null;
  /** Mean token entropy of the sampled completions (nats). */
  entropy: number;
  /** Mean k3 KL estimate to the frozen base policy; null on steps that skip π_ref (β = 0, between klEvery steps). */
  kl: number | null;
  clipLow: number | null;
  clipHigh: number | null;
  varABefore: number | null;
  varAAfter: number | null;
  samplesKept: number;
  tokensKept: number;
  /** Cumulative completion tokens that entered a loss since step 0 (D³S uses fewer). */
  tokensUsed: number;
  completionLength: number;
  /** Rows and positions the update's forward and backward passes processed, over all its minibatches (null in rows logged before it was measured). */
  updateRows: number | null;
  updateTokens: number | null;
  /** ROVER: means over completion tokens of Q = ρ(log π_θ − log π_old), |Q|, the target r̃ + V̄ and V̄ at the next position; null for the others. */
  qMean: number | null;
  qAbsMean: number | null;
  targetMean: number | null;
  vNextMean: number | null;
  gradNorm: number;
  tokensPerSec: number;
  stepMs: number;
}

export interface PassAtKPoint {
  k: number;
  value: number;
}

/** Logged every `evalEvery` steps on the held-out split (also at step 0 for the base model). */
export interface EvalRow {
  kind: 'eval';
  step: number;
  prompts: number;
  samples: number;
  passAtK: PassAtKPoint[];
  /** Mean distinct correct solutions per prompt. */
  distinctCorrect: number;
  /** Mean fraction of all existing solutions found, where the task enumerates them; else null. */
  coverage: number | null;
  distinctAnswers: number;
  /** distinct-1 … distinct-4 over tokens. */
  distinctN: number[];
  entropy: number;
  /** Fraction of samples in the task's answer form (parseable, right or wrong): falling with rising entropy means probability leaks onto garbage. Null in rows recorded before it was logged. */
  wellFormed: number | null;
}

export type MetricsRow = TrainRow | EvalRow;

export interface RolloutCompletion {
  text: string;
  /** One string per generated token (characters, and "⏎" for EOS). */
  tokens: string[];
  reward: number;
  correct: boolean;
  advantage: number;
  /** Per generated token: entropy of π at that position. */
  entropy: number[];
  /** Per generated token: 1 if it entered the loss (D³S keep mask), else 0. */
  kept: number[];
  /** Per generated token: log π after this step's updates minus log π_old — which probabilities the update pushed up or down. */
  deltaLogp: number[];
  /** Per generated token: ROVER's Q = ρ(log π_θ − log π_old) after the update; null for other algorithms. */
  q: number[] | null;
}

/** One prompt's latest group, for the rollout inspector. */
export interface RolloutGroup {
  step: number;
  prompt: string;
  completions: RolloutCompletion[];
}

export interface RunSummary {
  config: RunConfig;
  rows: MetricsRow[];
}
