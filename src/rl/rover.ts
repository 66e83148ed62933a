// ROVER's token-mean squared error between Q = ρ(log π_θ − log π_old) and the
// target r̃ + stopgrad(V̄ at the next position), with its gradient with respect
// to log π_θ. Math: docs/algorithms.md § ROVER. Reference: reference/rover.ts.

import { type GpuContext, f32, u32 } from '../gpu/context';
import type { Tensor } from '../gpu/tensor';
import { groupAdvantages } from './advantages';
import { defaultRunConfig } from './config';

export interface RoverConfig {
  /** ρ, the authors' rover_t: scales Q and V̄ alike. */
  rho: number;
  /** r̃ = r − mean_g r ("centred", the Countdown release) or that over the group std ("centred-std", the Math release). */
  reward: 'centred' | 'centred-std';
}

/** The run settings' defaults (src/rl/config.ts is their one source). */
export const DEFAULT_ROVER: RoverConfig = (({ rho, roverReward }) => ({ rho, reward: roverReward === 'std' ? 'centred-std' : 'centred' }))(defaultRunConfig());

/** Per-token inputs are [S, T], aligned to the predicting position; centredRewards is [S]. */
export interface RoverInputs {
  logp: Tensor;
  oldLogp: Tensor;
  /** (1/|V|) Σ_a log π_θ(a|s_t) at temperature τ; only read one position ahead, as a constant. */
  vmean: Tensor;
  oldVmean: Tensor;
  mask: Tensor;
  /** r̃ from roverCentredRewards. */
  centredRewards: Tensor;
}

export interface RoverOutputs {
  /** dL/dlog π_θ [S, T] (through Q only). */
  dlogp: Tensor;
  metrics: Tensor;
}

/** Means are over completion tokens; target = y, v_next = stopgrad(V̄ at t+1). */
export const ROVER_METRICS = ['loss', 'q_abs_mean', 'q_mean', 'target_mean', 'v_next_mean', 'tokens'] as const;
export type RoverMetrics = Record<(typeof ROVER_METRICS)[number], number>;

const ROW_STRIDE = 8;

/** r̃ [S] from rewards [S = P·G]; `metrics` receives groupAdvantages' summary (frac_reward_zero_std, …). */
export function roverCentredRewards(ctx: GpuContext, rewards: Tensor, groupSize: number, centred: Tensor, metrics: Tensor, config: Partial<RoverConfig> = {}): void {
  const reward = config.reward ?? DEFAULT_ROVER.reward;
  groupAdvantages(ctx, rewards, groupSize, centred, metrics, { scale: reward === 'centred-std' ? 'group' : 'none', sign: 'both' });
}

export function roverLoss(ctx: GpuContext, inputs: RoverInputs, outputs: RoverOutputs, config: Partial<RoverConfig> = {}): void {
  const cfg = { ...DEFAULT_ROVER, ...config };
  const { logp, oldLogp, vmean, oldVmean, mask, centredRewards } = inputs;
  if (logp.shape.length !== 2) throw new Error(`roverLoss: logp must be [S, T], got [${logp.shape.join(', ')}]`);
  const [S, T] = logp.shape;
  for (const t of [oldLogp, vmean, oldVmean, mask, outputs.dlogp]) if (t.size !== S * T) throw new Error(`roverLoss: expected ${S * T} per-token values, got ${t.size}`);
  if (centredRewards.size !== S) throw new Error(`roverLoss: centredRewards has ${centredRewards.size} values for ${S} rows`);
  if (outputs.metrics.size < ROVER_METRICS.length) throw new Error(`roverLoss: metrics needs ${ROVER_METRICS.length} elements`);
  const params = { rows: u32(S), T: u32(T), rho: f32(cfg.rho) };
  const rows = ctx.tensor([S, ROW_STRIDE]);
  ctx.dispatch({ shader: 'rover', entry: 'rover_rows' }, [logp, oldLogp, vmean, oldVmean, mask, centredRewards, rows, outputs.dlogp], params, Math.ceil(S / 64));
  ctx.dispatch({ shader: 'rover', entry: 'rover_reduce' }, [rows, outputs.metrics], params, 1);
  ctx.dispatch({ shader: 'rover', entry: 'rover_scale' }, [outputs.metrics, outputs.dlogp], params, Math.ceil((S * T) / 256));
  rows.dispose();
}

export function roverMetrics(values: ArrayLike<number>): RoverMetrics {
  return Object.fromEntries(ROVER_METRICS.map((name, i) => [name, values[i]])) as RoverMetrics;
}
