// D³S (Dynamic Dual-Level Down-Sampling) on the GPU: a keep mask [S, T] for
// grpoLoss, chosen per group (max-variance subset), optionally across the
// batch, then per token (top K% by |A|·H). Math: docs/algorithms.md § D³S.
// Reference: reference/d3s.ts.

import { type GpuContext, f32, u32 } from '../gpu/context';
import type { Tensor } from '../gpu/tensor';
import { defaultRunConfig, type RunConfig } from './config';

export interface D3sConfig {
  /** N_s as a fraction of the group size G, at the start and at the end of training. */
  sampleFracInit: number;
  sampleFracFinal: number;
  /** K, the fraction of eligible tokens kept, at the start and at the end. */
  tokenFracInit: number;
  tokenFracFinal: number;
  /** Across-batch stage: keep this many rollouts of largest variance contribution; null turns it off. */
  batchKeep: number | null;
}

/**
 * The paper publishes no schedule. The lab starts at half of each group and
 * the top 20% of tokens (the share of high-entropy "fork" tokens found to
 * carry the learning signal), and relaxes to whole groups and 80% of tokens.
 */
export const DEFAULT_D3S: D3sConfig = d3sConfigOf(defaultRunConfig());

/** A run's D³S settings (percentages in the run config) as the selection's fractions. */
export function d3sConfigOf(c: Pick<RunConfig, 'd3sSamplesInit' | 'd3sSamplesFinal' | 'd3sTokensInit' | 'd3sTokensFinal'>): D3sConfig {
  return { batchKeep: null, sampleFracInit: c.d3sSamplesInit / 100, sampleFracFinal: c.d3sSamplesFinal / 100, tokenFracInit: c.d3sTokensInit / 100, tokenFracFinal: c.d3sTokensFinal / 100 };
}

/** The largest group group_select handles (its sort lives in registers). */
export const D3S_MAX_GROUP = 64;

export interface D3sStep {
  /** Training progress p = (s − 1)/(S − 1) for step s = 1..S (1 when S = 1). */
  progress: number;
  /** N_s: rollouts kept per group. */
  samplesPerGroup: number;
  /** K in [0, 1], quantised to basis points as the GPU uses it. */
  tokenFraction: number;
}

/**
 * (N_s, K) = (1−p)·(N_init, K_init) + p·(N_final, K_final) for the step that
 * follows `stepsDone` completed steps, so the first step uses the initial
 * values and the last the final ones. N_s rounds half up and stays in
 * [min(2, G), G].
 */
export function d3sSchedule(config: D3sConfig, stepsDone: number, totalSteps: number, groupSize: number): D3sStep {
  const progress = totalSteps > 1 ? Math.min(1, Math.max(0, stepsDone / (totalSteps - 1))) : 1;
  const lerp = (a: number, b: number) => (1 - progress) * a + progress * b;
  const samples = Math.floor(lerp(config.sampleFracInit, config.sampleFracFinal) * groupSize + 0.5);
  const samplesPerGroup = Math.min(groupSize, Math.max(Math.min(2, groupSize), samples));
  const tokenFraction = toBasisPoints(lerp(config.tokenFracInit, config.tokenFracFinal)) / 10_000;
  return { progress, samplesPerGroup, tokenFraction };
}

/** K in basis points: integer arithmetic keeps "K% of n" identical on every device. */
export function toBasisPoints(fraction: number): number {
  return Math.min(10_000, Math.max(0, Math.round(fraction * 10_000)));
}

/** k = round-half-up(K·n), at least 1 when n > 0 and K > 0, never above n. */
export function tokenKeepCount(eligible: number, fraction: number): number {
  const bp = toBasisPoints(fraction);
  let k = Math.floor((eligible * bp + 5000) / 10_000);
  if (eligible > 0 && bp > 0) k = Math.max(k, 1);
  return Math.min(k, eligible);
}

export const D3S_METRICS = ['samples_kept', 'tokens_kept', 'adv_var_before', 'adv_var_after', 'tokens_in_kept_samples', 'tokens_total', 'samples_per_group', 'token_fraction'] as const;
export type D3sMetrics = Record<(typeof D3S_METRICS)[number], number>;

export interface D3sInputs {
  /** Group advantages [S = P·G] (from groupAdvantages, over the whole group). */
  advantages: Tensor;
  /** Full-vocabulary entropy of π_θ [S, T] at the predicting position. */
  entropy: Tensor;
  mask: Tensor;
}

export interface D3sOutputs {
  /** 1 for tokens that enter the loss, else 0 [S, T]: grpoLoss's `keep`. */
  keep: Tensor;
  metrics: Tensor;
  /** Optional: the rollouts kept [S]. */
  sampleKeep?: Tensor;
}

export interface D3sSelection {
  groupSize: number;
  samplesPerGroup: number;
  tokenFraction: number;
  batchKeep: number | null;
}

/** Records the whole selection; everything runs on the GPU. */
export function d3sSelect(ctx: GpuContext, inputs: D3sInputs, outputs: D3sOutputs, sel: D3sSelection): void {
  const { advantages, entropy, mask } = inputs;
  const S = advantages.size;
  const G = sel.groupSize;
  const T = S > 0 ? entropy.size / S : 0;
  if (!Number.isInteger(G) || G < 1 || G > D3S_MAX_GROUP || S % G !== 0 || S === 0) throw new Error(`d3sSelect: ${S} rollouts in groups of ${G} (at most ${D3S_MAX_GROUP})`);
  if (!Number.isInteger(T) || mask.size !== S * T || outputs.keep.size !== S * T) throw new Error(`d3sSelect: per-token tensors must all be [${S}, T]`);
  if (!Number.isInteger(sel.samplesPerGroup) || sel.samplesPerGroup < 1 || sel.samplesPerGroup > G) throw new Error(`d3sSelect: N_s = ${sel.samplesPerGroup} outside 1..${G}`);
  if (outputs.metrics.size < D3S_METRICS.length) throw new Error(`d3sSelect: metrics needs ${D3S_METRICS.length} elements`);

  const sampleKeep = outputs.sampleKeep ?? ctx.tensor([S]);
  const candidate = ctx.tensor([S]);
  const contribution = ctx.tensor([S]);
  const groupKeep = sel.batchKeep === null ? sampleKeep : ctx.tensor([S]);
  const stats = ctx.tensor([4], 'u32');
  ctx.dispatch({ shader: 'd3s', entry: 'group_select' }, [advantages, groupKeep, candidate, contribution], { groups: u32(S / G), group_size: u32(G), keep_count: u32(sel.samplesPerGroup) }, Math.ceil(S / G / 64));
  if (sel.batchKeep !== null) topkSelect(ctx, contribution, candidate, sampleKeep, stats, { count: sel.batchKeep });

  const score = ctx.tensor([S * T]);
  const eligible = ctx.tensor([S * T]);
  ctx.dispatch({ shader: 'd3s', entry: 'token_scores' }, [advantages, entropy, mask, sampleKeep, score, eligible], { rows: u32(S), T: u32(T) }, Math.ceil((S * T) / 256));
  topkSelect(ctx, score, eligible, outputs.keep, stats, { fraction: sel.tokenFraction });
  const metricParams = { rows: u32(S), T: u32(T), samples_per_group: f32(sel.samplesPerGroup), token_fraction: f32(toBasisPoints(sel.tokenFraction) / 10_000) };
  ctx.dispatch({ shader: 'd3s', entry: 'selection_metrics' }, [advantages, mask, sampleKeep, outputs.keep, outputs.metrics], metricParams, 1);

  for (const t of [eligible, score, stats, contribution, candidate]) t.dispose();
  if (groupKeep !== sampleKeep) groupKeep.dispose();
  if (sampleKeep !== outputs.sampleKeep) sampleKeep.dispose();
}

/**
 * keep[i] = 1 for the k eligible items of largest score, ties to the lower
 * index; k is a count, or round-half-up(K·eligible) (see tokenKeepCount).
 * Scores must be non-negative (anything not > 0 counts as 0). One workgroup
 * radix-selects the k-th largest value on the float bits (8 bits a pass): exact, no sort.
 * stats (u32 [4]) = [eligible, k, threshold bits, items above the threshold].
 */
export function topkSelect(ctx: GpuContext, score: Tensor, eligible: Tensor, keep: Tensor, stats: Tensor<'u32'>, k: { count: number } | { fraction: number }): void {
  const n = score.size;
  if (eligible.size !== n || keep.size !== n) throw new Error(`topkSelect: sizes ${n}, ${eligible.size}, ${keep.size}`);
  if (stats.size < 4) throw new Error('topkSelect: stats needs 4 elements');
  if ('fraction' in k && n * 10_000 >= 2 ** 32) throw new Error(`topkSelect: ${n} items exceed the fraction arithmetic's range`);
  const params =
    'count' in k
      ? { n: u32(n), count: u32(Math.max(0, Math.floor(k.count))), fraction_bp: u32(0), by_fraction: u32(0) }
      : { n: u32(n), count: u32(0), fraction_bp: u32(toBasisPoints(k.fraction)), by_fraction: u32(1) };
  ctx.dispatch({ shader: 'd3s', entry: 'topk_select' }, [score, eligible, keep, stats], params, 1);
}

export function d3sMetrics(values: ArrayLike<number>): D3sMetrics {
  return Object.fromEntries(D3S_METRICS.map((name, i) => [name, values[i]])) as D3sMetrics;
}
