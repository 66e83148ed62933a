// Every setting of a training run, with its default, range and meaning.
// The CLI flags, the share link and the launcher form are all built from this.

import { type Schema, type SettingIssue, type Values, defaults } from '../config/schema';
import { TASK_NAMES } from '../tasks/types';

export const ALGORITHMS = ['grpo', 'rover', 'd3s'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];
export const TASKS = TASK_NAMES;
export const PRESETS = ['tiny', 'small', 'base'] as const;
export type PresetName = (typeof PRESETS)[number];

export const runSchema = {
  // --- what
  task: { kind: 'enum', options: TASKS, default: 'countdown', label: 'Task', help: 'Verifiable task the policy is trained on', group: 'run' },
  algo: { kind: 'enum', options: ALGORITHMS, default: 'grpo', label: 'Algorithm', help: 'GRPO (clipped policy gradient), ROVER (random-policy valuation) or D³S (GRPO on down-sampled rollouts and tokens)', group: 'run' },
  preset: { kind: 'enum', options: PRESETS, default: 'tiny', label: 'Model', help: 'Policy size: tiny ≈ 50K and small ≈ 0.5M parameters (each task ships a base model for both), base ≈ 3M (make its base model with npm run pretrain)', group: 'run' },
  seed: { kind: 'int', default: 1, min: 0, max: 2147483647, label: 'Seed', help: 'Seeds prompts, sampling and everything random: same seed, same device → same run', group: 'run' },
  steps: { kind: 'int', default: 200, min: 1, max: 100000, label: 'Steps', help: 'Training steps (one batch of prompts each)', group: 'run' },
  // --- sampling
  prompts: { kind: 'int', default: 8, min: 1, max: 512, label: 'Prompts per step', help: 'P: prompts sampled per training step', group: 'sampling' },
  group: { kind: 'int', default: 8, min: 2, max: 64, label: 'Group size', help: 'G: completions sampled per prompt; advantages compare within a group', group: 'sampling' },
  temperature: { kind: 'float', default: 1, min: 0.05, max: 3, step: 0.05, label: 'Temperature', help: 'Sampling temperature τ; log-probs and entropies are computed at the same τ', group: 'sampling' },
  decoding: { kind: 'enum', options: ['full', 'answer'] as const, default: 'full', label: 'Output tokens', help: 'full: the policy may emit any token of the task’s vocabulary; answer: only the characters an answer can contain, and EOS (the policy is the softmax over those), so probability cannot leak onto prompt-only characters; where every answer has one length (tree), completions are exactly that long and EOS is out too', group: 'sampling' },
  topK: { kind: 'int', default: 0, min: 0, max: 4096, label: 'Top-k', help: 'Sample only among the k most likely tokens (0 = all)', group: 'sampling' },
  // --- optimisation
  lr: { kind: 'float', default: 1e-3, min: 1e-7, max: 1e-1, log: true, label: 'Learning rate', help: 'AdamW learning rate', group: 'optimizer' },
  weightDecay: { kind: 'float', default: 0, min: 0, max: 1, step: 0.01, label: 'Weight decay', help: 'Decoupled (AdamW) weight decay on matrices and embeddings', group: 'optimizer' },
  maxGradNorm: { kind: 'float', default: 1, min: 0, max: 100, step: 0.1, label: 'Gradient clip', help: 'Clip the global gradient norm to this (0 = no clipping)', group: 'optimizer' },
  minibatches: { kind: 'int', default: 4, min: 1, max: 64, label: 'Minibatches', help: 'Split each batch into this many minibatches, one optimizer step each; π_old stays the sampling policy', group: 'optimizer' },
  updatesPerBatch: { kind: 'int', default: 1, min: 1, max: 16, label: 'Sweeps per batch', help: 'Passes over the batch (updatesPerBatch × minibatches optimizer steps per training step)', group: 'optimizer' },
  // --- GRPO (also D³S, which runs GRPO's loss)
  advScale: { kind: 'enum', options: ['group', 'none', 'reward'] as const, default: 'group', label: 'Advantage scaling', help: 'group: (r − mean)/std within the group; none: r − mean (Dr. GRPO); reward: 2r − 1 with no baseline, so a group of equal rewards still pushes (±1 REINFORCE, the PSR/NSR paper’s objective)', group: 'grpo' },
  epsLow: { kind: 'float', default: 0.2, min: 0, max: 1, step: 0.01, label: 'ε low', help: 'Lower clip range: ratio clipped at 1 − ε_low', group: 'grpo' },
  epsHigh: { kind: 'float', default: 0.2, min: 0, max: 5, step: 0.01, label: 'ε high', help: 'Upper clip range: ratio clipped at 1 + ε_high (ε_high > ε_low is clip-higher)', group: 'grpo' },
  beta: { kind: 'float', default: 0, min: 0, max: 10, step: 0.001, label: 'KL β', help: 'Weight of the k3 KL penalty to the frozen base', group: 'grpo' },
  klEvery: { kind: 'int', default: 10, min: 0, max: 100000, label: 'KL every', unit: 'steps', help: 'When the loss does not need the base model (β = 0, ROVER), its forward pass runs only every N steps to log the KL (0 = never); with β > 0 the KL is logged every step', group: 'grpo' },
  aggregation: { kind: 'enum', options: ['token-mean', 'seq-mean-token-mean', 'seq-mean-token-sum-norm'] as const, default: 'token-mean', label: 'Loss aggregation', help: 'token-mean over the batch; seq-mean-token-mean (original GRPO); seq-mean-token-sum-norm (Dr. GRPO)', group: 'grpo' },
  polarity: { kind: 'enum', options: ['both', 'positive', 'negative'] as const, default: 'both', label: 'Reinforce', help: 'Train on both advantage signs, positive-advantage samples only (PSR) or negative only (NSR)', group: 'grpo' },
  // --- ROVER
  rho: { kind: 'float', default: 1, min: 0.01, max: 100, log: true, label: 'ρ (rover_t)', help: 'ROVER: Q = ρ·(log π_θ − log π_old); scales the values', group: 'rover' },
  roverReward: { kind: 'enum', options: ['centred', 'std'] as const, default: 'centred', label: 'ROVER reward', help: 'centred: r − mean_g r (Countdown release); std: also divided by the group std (Math release)', group: 'rover' },
  // --- D³S
  d3sSamplesInit: { kind: 'float', default: 50, min: 1, max: 100, unit: '%', label: 'Kept samples (start)', help: 'D³S: share of each group kept at the start (the max-variance subset)', group: 'd3s' },
  d3sSamplesFinal: { kind: 'float', default: 100, min: 1, max: 100, unit: '%', label: 'Kept samples (end)', help: 'D³S: share of each group kept at the end of the schedule', group: 'd3s' },
  d3sTokensInit: { kind: 'float', default: 20, min: 1, max: 100, unit: '%', label: 'Kept tokens (start)', help: 'D³S: top-K% tokens by |A|·entropy kept at the start', group: 'd3s' },
  d3sTokensFinal: { kind: 'float', default: 80, min: 1, max: 100, unit: '%', label: 'Kept tokens (end)', help: 'D³S: top-K% tokens kept at the end of the schedule', group: 'd3s' },
  // --- evaluation
  evalEvery: { kind: 'int', default: 25, min: 0, max: 100000, label: 'Evaluate every', unit: 'steps', help: 'Held-out evaluation period (0 = only at the start and the end)', group: 'eval' },
  evalPrompts: { kind: 'int', default: 16, min: 1, max: 1024, label: 'Eval prompts', help: 'Held-out prompts per evaluation (never seen in training)', group: 'eval' },
  evalSamples: { kind: 'int', default: 32, min: 1, max: 256, label: 'Eval samples (n)', help: 'Samples per eval prompt; pass@k is reported for k = 1, 2, 4, … n', group: 'eval' },
} satisfies Schema;

export type RunSchema = typeof runSchema;
export type RunConfig = Values<RunSchema>;

/**
 * AdamW's fixed settings for RL updates (the run config sets lr, weight decay
 * and clipping). β₂ = 0.999 as in PyTorch's default, where pretraining uses
 * the model's own DEFAULT_ADAMW (β₂ = 0.95).
 */
export const RL_ADAM_MOMENTS = { beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

/** The optimizer settings of a run's updates. */
export function rlAdamW(c: RunConfig): { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; maxGradNorm: number } {
  return { ...RL_ADAM_MOMENTS, lr: c.lr, weightDecay: c.weightDecay, maxGradNorm: c.maxGradNorm };
}

export function defaultRunConfig(): RunConfig {
  return defaults(runSchema);
}

/** Checks that the settings make sense together (each setting alone is already in range). */
export function runConfigIssues(c: RunConfig): SettingIssue[] {
  const issues: SettingIssue[] = [];
  const rollouts = c.prompts * c.group;
  if (c.minibatches > rollouts) issues.push({ key: 'minibatches', message: `${c.minibatches} minibatches but only ${rollouts} rollouts per step (prompts × group)` });
  if (c.epsLow >= 1) issues.push({ key: 'epsLow', message: 'ε_low ≥ 1 makes the lower clip bound non-positive' });
  return issues;
}
