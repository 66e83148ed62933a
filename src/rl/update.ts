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
//
// With packing (src/rl/packing.ts), the forward and backward passes run over
// the minibatch's packed rows, each group's prompt prefix once; the loss still
// reads and writes [n, T] tensors, gathered from and back into packed rows.

import type { GpuContext } from '../gpu/context';
import { gatherRows, gatherRowsOfMany } from '../gpu/kernels/gather';
import { BINDING_ALIGN, type Tensor } from '../gpu/tensor';
import type { GpuPacking, GptModel } from '../model/gpt';
import { LOSS_METRICS, type RlAlgorithm } from './algorithms';
import { type RunConfig, rlAdamW } from './config';
import { type Packing, type PackingRow, planPacking } from './packing';

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

/**
 * The batch's per-token arrays ([S, T]) a minibatch gathers, in the order it
 * gathers them (keep last: only with a selection). Laid out as planes of one
 * buffer in this order (as the trainer lays them), they are gathered in one
 * dispatch per minibatch.
 */
export const PER_TOKEN = [['tokens', 'u32'], ['targets', 'u32'], ['mask', 'f32'], ['oldLogp', 'f32'], ['oldVmean', 'f32'], ['refLogp', 'f32'], ['keep', 'f32']] as const;

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

/** Packs each minibatch's shared prompt prefixes: what packing needs of batch row r. */
export type PackingOf = (r: number) => PackingRow;

/** Records every minibatch update of one step; the returned tensors are the caller's to read and dispose. */
export function recordUpdates(ctx: GpuContext, model: GptModel, algorithm: RlAlgorithm, c: RunConfig, b: UpdateBatch, plans: MinibatchPlan[], maxLen: number, packingOf: PackingOf | null = null): UpdateWork {
  const updates = c.updatesPerBatch * plans.length;
  // Every minibatch's row indices and packing in one upload (a write waits for what is recorded before it), read through views.
  const upload = new Sections();
  const offsets = plans.map((p) => upload.add(p.rows));
  const packings = plans.map((plan) => (packingOf && plan.rows.length > 0 ? planPacking(plan.rows.map(packingOf), plan.T) : null));
  const packedAt = packings.map((p) => p && upload.addPacking(p));
  const words = upload.tensor(ctx);
  const lossMetrics = ctx.tensor([updates, LOSS_METRICS]);
  const gradNormSq = ctx.tensor([updates]);
  ctx.zero(lossMetrics);
  // Each minibatch's inputs are gathered once and serve every sweep: its rows of the per-token arrays into one
  // buffer (one dispatch where they lie as planes of one buffer, as the trainer's do), then its advantages.
  const inputs = plans.map((plan, m) => {
    const n = plan.rows.length, T = plan.T;
    if (n === 0) return null;
    const perToken = PER_TOKEN.flatMap(([key]) => b[key] ?? []);
    const gathered = gatherRowsOfMany(ctx, perToken, words, { rows: n, width: T, srcWidth: b.T, indexOffset: offsets[m] });
    const [tokens, targets, mask, oldLogp, oldVmean, refLogp, keep = null] = gathered.out;
    const signal = gatherRowsOfMany(ctx, [b.signal], words, { rows: n, width: 1, srcWidth: 1, indexOffset: offsets[m] });
    return {
      tokens: tokens as Tensor<'u32'>, targets: targets as Tensor<'u32'>, owned: [gathered.owner, signal.owner],
      packed: packings[m] ? packRows(ctx, packings[m]!, words, packedAt[m]!, tokens, targets) : null,
      mb: { mask, oldLogp, oldVmean, refLogp, keep, signal: signal.out[0] },
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
        const packed = input.packed;
        const loss = (logp: Tensor, vmean: Tensor) => algorithm.loss(ctx, { ...input.mb, logp, vmean }, { dlogp, metrics }, c, { maxLen, sequences: plan.span });
        if (packed) {
          const out = model.forwardPacked(packed.tokens, packed.rows, { temperature: c.temperature, targets: packed.targets });
          const logp = ctx.tensor([n, T]), vmean = ctx.tensor([n, T]), dlogpPacked = ctx.tensor([packed.rows.N]);
          gatherElements(ctx, out.logp, packed.unpack, logp);
          gatherElements(ctx, out.vmean, packed.unpack, vmean);
          loss(logp, vmean);
          gatherElements(ctx, dlogp, packed.src, dlogpPacked);
          model.backward({ dlogp: dlogpPacked });
          for (const t of [logp, vmean, dlogpPacked]) t.dispose();
          tokens += packed.rows.N;
        } else {
          const out = model.forward(input.tokens, n, T, { temperature: c.temperature, targets: input.targets });
          loss(out.logp.reshape([n, T]), out.vmean.reshape([n, T]));
          model.backward({ dlogp: dlogp.reshape([n * T]) });
          tokens += n * T;
        }
        ctx.copyRange(metrics, 0, lossMetrics, u * LOSS_METRICS, LOSS_METRICS);
        dlogp.dispose();
        metrics.dispose();
        rows += n;
      }
      model.step(rlAdamW(c));
      ctx.copyRange(model.gradNormSq, 0, gradNormSq, u, 1);
      u++;
    });
  }
  for (const input of inputs) if (input) for (const t of [...input.owned, ...(input.packed ? packedTensors(input.packed) : [])]) t.dispose();
  words.dispose();
  return { lossMetrics, gradNormSq, updates, rows, tokens };
}

/** 32-bit words from one binding boundary to the next. */
const BINDING_WORDS = BINDING_ALIGN / 4;

/** A minibatch's packed rows on the GPU: the layout, its tokens and targets, and the index maps to and from its [n, T] tensors. */
interface PackedInput {
  rows: GpuPacking;
  tokens: Tensor<'u32'>;
  targets: Tensor<'u32'>;
  /** Owns tokens and targets. */
  owner: Tensor;
  /** u32 [N]: each packed row's element of [n, T]. */
  src: Tensor<'u32'>;
  /** u32 [n·T]: each element's packed row. */
  unpack: Tensor<'u32'>;
}

/** dst[i] = src[index[i]] for every element of dst (flat views of both). */
function gatherElements(ctx: GpuContext, src: Tensor, index: Tensor<'u32'>, dst: Tensor): void {
  gatherRows(ctx, src.reshape([src.size]), index, dst, { rows: dst.size, width: 1, srcWidth: 1 });
}

/** Where a packing's arrays sit in an upload. */
type PackingAt = Record<'src' | 'unpack' | 'positions' | 'segments', number>;

/** The packing's arrays as views of the step's upload, and the minibatch's tokens and targets gathered into packed rows. */
function packRows(ctx: GpuContext, plan: Packing, words: Tensor<'u32'>, at: PackingAt, tokens: Tensor, targets: Tensor): PackedInput {
  const src = words.view([plan.N], at.src);
  const picked = gatherRowsOfMany(ctx, [tokens.reshape([tokens.size]), targets.reshape([targets.size])], src, { rows: plan.N, width: 1, srcWidth: 1 });
  return {
    rows: { N: plan.N, Tk: plan.Tk, positions: words.view([plan.N], at.positions), segments: words.view([plan.N * 4], at.segments) },
    tokens: picked.out[0] as Tensor<'u32'>,
    targets: picked.out[1] as Tensor<'u32'>,
    owner: picked.owner,
    src,
    unpack: words.view([plan.unpack.length], at.unpack),
  };
}

/** The tensors a packed input owns (the rest are views of the upload). */
function packedTensors(p: PackedInput): Tensor[] {
  return [p.owner];
}

/** u32 arrays laid end to end for one upload, each starting on a binding boundary so it can be bound as a view. */
class Sections {
  private readonly parts: { values: ArrayLike<number>; at: number }[] = [];
  private length = 0;

  /** Appends `values` and returns their element offset. */
  add(values: ArrayLike<number>): number {
    const at = this.length;
    this.parts.push({ values, at });
    this.length = at + Math.ceil(Math.max(1, values.length) / BINDING_WORDS) * BINDING_WORDS;
    return at;
  }

  /** Appends a packing's four arrays. */
  addPacking(p: Packing): PackingAt {
    return { src: this.add(p.src), unpack: this.add(p.unpack), positions: this.add(p.positions), segments: this.add(p.segments) };
  }

  tensor(ctx: GpuContext): Tensor<'u32'> {
    const words = new Uint32Array(Math.max(1, this.length));
    for (const { values, at } of this.parts) words.set(values, at);
    return ctx.tensor([words.length], 'u32', words);
  }
}

/** Per-position statistics of the forward pass, in the layout of dense rows [n·T]. */
export interface DenseStats {
  logp: Tensor;
  vmean: Tensor;
  entropy: Tensor;
}

/**
 * The forward pass's statistics at every position of n dense rows [n, T]
 * (tokens and targets on the GPU), computed over their packed rows and
 * written into `into` ([n·T] each); positions past a row's length hold no
 * meaningful value.
 */
export function packedForward(ctx: GpuContext, model: GptModel, rows: readonly PackingRow[], T: number, tokens: Tensor, targets: Tensor, temperature: number, into: Partial<DenseStats>): void {
  const plan = planPacking(rows, T);
  const upload = new Sections();
  const at = upload.addPacking(plan);
  const words = upload.tensor(ctx);
  const packed = packRows(ctx, plan, words, at, tokens, targets);
  const out = model.forwardPacked(packed.tokens, packed.rows, { temperature, targets: packed.targets });
  for (const key of ['logp', 'vmean', 'entropy'] as const) {
    const dst = into[key];
    if (dst) gatherElements(ctx, out[key], packed.unpack, dst);
  }
  for (const t of [...packedTensors(packed), words]) t.dispose();
}
