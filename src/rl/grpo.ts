// GRPO's per-token clipped surrogate (+ β·k3 towards π_ref) and its gradient
// with respect to log π_θ, aggregated on the GPU. Math: docs/algorithms.md § GRPO.
// Reference: reference/grpo.ts.

import { type GpuContext, f32, u32 } from '../gpu/context';
import type { Tensor } from '../gpu/tensor';
import { defaultRunConfig } from './config';

export type GrpoAggregation = 'token-mean' | 'seq-mean-token-mean' | 'seq-mean-token-sum-norm';

export interface GrpoConfig {
  epsLow: number;
  epsHigh: number;
  /** Weight of the k3 penalty towards π_ref; k3 is measured (metric `kl`) even at 0. */
  beta: number;
  aggregation: GrpoAggregation;
  /** Completion length in the seq-mean-token-sum-norm denominator; defaults to T. */
  maxLen?: number;
  /** Sequence count in the seq-mean-token-sum-norm denominator; defaults to S (rows dropped before the loss still count). */
  sequences?: number;
}

/** The run settings' defaults (src/rl/config.ts is their one source). */
export const DEFAULT_GRPO: GrpoConfig = (({ epsLow, epsHigh, beta, aggregation }) => ({ epsLow, epsHigh, beta, aggregation }))(defaultRunConfig());

/** Per-token inputs are [S, T], aligned to the predicting position; advantages are [S]. */
export interface GrpoInputs {
  logp: Tensor;
  oldLogp: Tensor;
  refLogp: Tensor;
  mask: Tensor;
  advantages: Tensor;
  /** Per-token weight on top of the mask (D³S's keep mask); absent means 1. */
  keep?: Tensor;
}

export interface GrpoOutputs {
  /** dL/dlog π_θ [S, T]: the only gradient the model needs. */
  dlogp: Tensor;
  /** GRPO_METRICS.length values, reduced on the GPU. */
  metrics: Tensor;
}

/** clip_low/clip_high/kl/ratio_mean are means over weighted tokens; tokens = Σ mask·keep; sequences = rows with any. */
export const GRPO_METRICS = ['loss', 'clip_low', 'clip_high', 'kl', 'ratio_mean', 'tokens', 'sequences'] as const;
export type GrpoMetrics = Record<(typeof GRPO_METRICS)[number], number>;

const AGGREGATION_CODE: Record<GrpoAggregation, number> = { 'token-mean': 0, 'seq-mean-token-mean': 1, 'seq-mean-token-sum-norm': 2 };
const ROW_STRIDE = 8;

export function grpoLoss(ctx: GpuContext, inputs: GrpoInputs, outputs: GrpoOutputs, config: Partial<GrpoConfig> = {}): void {
  const cfg = { ...DEFAULT_GRPO, ...config };
  const { logp, oldLogp, refLogp, mask, advantages } = inputs;
  if (logp.shape.length !== 2) throw new Error(`grpoLoss: logp must be [S, T], got [${logp.shape.join(', ')}]`);
  const [S, T] = logp.shape;
  const perToken = [oldLogp, refLogp, mask, inputs.keep ?? mask, outputs.dlogp];
  for (const t of perToken) if (t.size !== S * T) throw new Error(`grpoLoss: expected ${S * T} per-token values, got ${t.size}`);
  if (advantages.size !== S) throw new Error(`grpoLoss: advantages has ${advantages.size} values for ${S} rows`);
  if (outputs.metrics.size < GRPO_METRICS.length) throw new Error(`grpoLoss: metrics needs ${GRPO_METRICS.length} elements`);
  const params = { rows: u32(S), T: u32(T), eps_low: f32(cfg.epsLow), eps_high: f32(cfg.epsHigh), beta: f32(cfg.beta), aggregation: u32(AGGREGATION_CODE[cfg.aggregation]), max_len: f32(cfg.maxLen ?? T), sequences: u32(cfg.sequences ?? S) };
  const rows = ctx.tensor([S, ROW_STRIDE]);
  // Without a keep mask the mask weighs itself: m·m = m for 0/1 masks.
  const keep = inputs.keep ?? mask;
  ctx.dispatch({ shader: 'grpo', entry: 'grpo_rows' }, [logp, oldLogp, refLogp, mask, keep, advantages, rows, outputs.dlogp], params, Math.ceil(S / 64));
  ctx.dispatch({ shader: 'grpo', entry: 'grpo_reduce' }, [rows, outputs.metrics], params, 1);
  ctx.dispatch({ shader: 'grpo', entry: 'grpo_scale' }, [rows, outputs.metrics, outputs.dlogp], params, Math.ceil((S * T) / 256));
  // Released now, reused by later recordings: the GPU runs them in order.
  rows.dispose();
}

export function grpoMetrics(values: ArrayLike<number>): GrpoMetrics {
  return Object.fromEntries(GRPO_METRICS.map((name, i) => [name, values[i]])) as GrpoMetrics;
}
