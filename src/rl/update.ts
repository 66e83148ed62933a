// The update loop of a training step: for each sweep and minibatch, gather
// the minibatch's rows from the step's batch (only the rollouts that enter
// the loss, cut to the longest of them), forward π_θ, record the algorithm's
// loss gradient, backward, AdamW.
//
// Minibatch m covers rows ⌊m·S/M⌋ … ⌊(m+1)·S/M⌋ of the batch whatever is
// dropped, so packing changes nothing but the work: a dropped rollout's loss
// terms are zero, positions after a row's last completion token carry no loss
// and, under causal attention, change nothing before them. A minibatch with no
// rollout left still takes its (gradient-free) AdamW step, as the masked loop did.

import type { GpuContext } from '../gpu/context';
import { gatherRows } from '../gpu/kernels/gather';
import type { Tensor } from '../gpu/tensor';
import type { GptModel } from '../model/gpt';
import { LOSS_METRICS, type RlAlgorithm } from './algorithms';
import { type RunConfig, rlAdamW } from './config';

export interface MinibatchPlan {
  /** Batch rows this minibatch trains on, ascending. */
  rows: number[];
  /** Rows of the minibatch before dropping (seq-mean-token-sum-norm's count). */
  span: number;
  /** Positions kept per row: the longest prompt + completion among `rows`. */
  T: number;
}

/**
 * The minibatches of one sweep: rows ⌊m·S/M⌋ … of the batch, keeping those
 * with `keepRow` (all when null), each cut to the longest kept row.
 */
export function planMinibatches(S: number, minibatches: number, rowLength: (r: number) => number, keepRow: ((r: number) => boolean) | null): MinibatchPlan[] {
  const plans: MinibatchPlan[] = [];
  for (let m = 0; m < minibatches; m++) {
    const r0 = Math.floor((m * S) / minibatches), r1 = Math.floor(((m + 1) * S) / minibatches);
    const rows: number[] = [];
    for (let r = r0; r < r1; r++) if (!keepRow || keepRow(r)) rows.push(r);
    plans.push({ rows, span: r1 - r0, T: rows.reduce((t, r) => Math.max(t, rowLength(r)), 1) });
  }
  return plans;
}

/** The step's batch as the update reads it; per-token tensors are [S, T]. */
export interface UpdateBatch {
  S: number;
  T: number;
  tokens: Tensor<'u32'>;
  targets: Tensor<'u32'>;
  mask: Tensor;
  oldLogp: Tensor;
  oldVmean: Tensor;
  refLogp: Tensor;
  signal: Tensor;
  /** The selection's token keep mask, or null. */
  keep: Tensor | null;
}

export interface UpdateWork {
  /** LOSS_METRICS values per update, [updates, LOSS_METRICS]. */
  lossMetrics: Tensor;
  /** Squared global gradient norm per update (before clipping). */
  gradNormSq: Tensor;
  updates: number;
  /** Rows and positions the forward and backward passes processed, over all updates. */
  rows: number;
  tokens: number;
}

/** Records every minibatch update of one step; the returned tensors are the caller's to read and dispose. */
export function recordUpdates(ctx: GpuContext, model: GptModel, algorithm: RlAlgorithm, c: RunConfig, b: UpdateBatch, plans: MinibatchPlan[], maxLen: number): UpdateWork {
  const updates = c.updatesPerBatch * plans.length;
  const lossMetrics = ctx.tensor([updates, LOSS_METRICS]);
  const gradNormSq = ctx.tensor([updates]);
  ctx.zero(lossMetrics);
  // Every minibatch's row indices in one upload, read at an offset by each gather.
  const offsets: number[] = [];
  const flat: number[] = [];
  for (const p of plans) {
    offsets.push(flat.length);
    flat.push(...p.rows);
  }
  const index = ctx.tensor([Math.max(1, flat.length)], 'u32', flat.length ? flat : [0]);
  // Each minibatch's inputs are gathered once and serve every sweep.
  const inputs = plans.map((plan, m) => {
    const n = plan.rows.length, T = plan.T;
    if (n === 0) return null;
    const gather = (src: Tensor, width: number): Tensor => {
      const t = ctx.tensor(width === 1 ? [n] : [n, width], src.dtype);
      gatherRows(ctx, src, index, t, { rows: n, width, srcWidth: width === 1 ? 1 : b.T, indexOffset: offsets[m] });
      return t;
    };
    return {
      tokens: gather(b.tokens, T), targets: gather(b.targets, T),
      mb: { mask: gather(b.mask, T), oldLogp: gather(b.oldLogp, T), oldVmean: gather(b.oldVmean, T), refLogp: gather(b.refLogp, T), keep: b.keep ? gather(b.keep, T) : null, signal: gather(b.signal, 1) },
    };
  });
  let rows = 0, tokens = 0, u = 0;
  for (let sweep = 0; sweep < c.updatesPerBatch; sweep++) {
    plans.forEach((plan, m) => {
      const n = plan.rows.length, T = plan.T;
      const input = inputs[m];
      model.zeroGrad();
      if (input) {
        const dlogp = ctx.tensor([n, T]);
        const metrics = ctx.tensor([LOSS_METRICS]);
        ctx.zero(metrics);
        const out = model.forward(input.tokens, n, T, { temperature: c.temperature, targets: input.targets });
        algorithm.loss(ctx, { ...input.mb, logp: out.logp.reshape([n, T]), vmean: out.vmean.reshape([n, T]) }, { dlogp, metrics }, c, { maxLen, sequences: plan.span });
        model.backward({ dlogp: dlogp.reshape([n * T]) });
        ctx.copyRange(metrics, 0, lossMetrics, u * LOSS_METRICS, LOSS_METRICS);
        dlogp.dispose();
        metrics.dispose();
        rows += n;
        tokens += n * T;
      }
      model.step(rlAdamW(c));
      ctx.copyRange(model.gradNormSq, 0, gradNormSq, u, 1);
      u++;
    });
  }
  for (const input of inputs) if (input) for (const t of [input.tokens, input.targets, ...Object.values(input.mb)]) t?.dispose();
  index.dispose();
  return { lossMetrics, gradNormSq, updates, rows, tokens };
}
