// Per-token log-prob, entropy and vocabulary-mean log-softmax of logits [N, V]
// (forward and backward), and masked cross-entropy. One invocation per row.
// Logits at or below SUPPORT_FLOOR are outside the distribution (see
// src/gpu/reference/logits.ts).

import { type GpuContext, type KernelRef, type Params, f32, u32 } from '../context';
import { SUPPORT_FLOOR } from '../reference/logits';
import type { Tensor } from '../tensor';
import { reduceAll } from './reduce';

/**
 * Where logitStats puts row n's target and outputs: at (n / seq)·seqStride + n % seq + offset.
 * E.g. seq = T', seqStride = T scores the first T' positions of each sequence into [B, T] arrays.
 */
export interface RowPlacement {
  seq: number;
  seqStride: number;
  offset: number;
  /** Row n's outputs repeated this many times (default 1), `copyStride` apart, each copy scoring its own target: the completions of one prompt share its statistics. */
  copies?: number;
  copyStride?: number;
}

/**
 * Row n's target and outputs at n·stride + positions[n] (u32 [N]): each row
 * at a position of its own in [N, stride] arrays (the sampler's decode
 * steps). A row whose position is the last column, which has no next token
 * to score, is skipped.
 */
export interface RowPositions {
  positions: Tensor;
  stride: number;
}

const ROWS_PER_WORKGROUP = 64;

function kernel(entry: string): KernelRef {
  return { shader: 'logits', entry };
}

function check(name: string, logits: Tensor, targets: Tensor, N: number, V: number, temperature: number): void {
  if (logits.size < N * V) throw new Error(`${name}: logits has ${logits.size} elements, need ${N}×${V}`);
  if (targets.size < N || targets.dtype !== 'u32') throw new Error(`${name}: targets must be u32 [≥ ${N}]`);
  if (!(temperature > 0)) throw new Error(`${name}: temperature must be > 0, got ${temperature}`);
  if (V < 1) throw new Error(`${name}: empty vocabulary`);
}

function params(N: number, V: number, temperature: number, gradMask: number, at: RowPlacement | RowPositions = { seq: N, seqStride: N, offset: 0 }): Params {
  const [seq, stride, offset, perRow] = 'positions' in at ? [1, at.stride, 0, 1] : [at.seq, at.seqStride, at.offset, 0];
  const [copies, copyStride] = 'positions' in at ? [1, 0] : [at.copies ?? 1, at.copyStride ?? 0];
  return { rows: u32(N), vocab: u32(V), inv_tau: f32(1 / temperature), grad_mask: u32(gradMask), floor: f32(SUPPORT_FLOOR), seq: u32(seq), seq_stride: u32(stride), io_offset: u32(offset), per_row: u32(perRow), copies: u32(copies), copy_stride: u32(copyStride) };
}

/**
 * logp = lsm[target], entropy = −Σ p·lsm, vmean = mean of lsm over the support, with z = logits / temperature,
 * for rows n of logits [N, V]; targets and outputs of row n sit at index n, or where `at` places them.
 */
export function logitStats(ctx: GpuContext, logits: Tensor, targets: Tensor, logp: Tensor, entropy: Tensor, vmean: Tensor, N: number, V: number, temperature: number, at?: RowPlacement | RowPositions): void {
  check('logitStats', logits, targets, N, V, temperature);
  if (N === 0) return;
  if (at && 'positions' in at) {
    if (at.positions.size < N || at.positions.dtype !== 'u32') throw new Error(`logitStats: positions must be u32 [≥ ${N}]`);
    const span = N * at.stride;
    if (targets.size < span || logp.size < span || entropy.size < span || vmean.size < span) throw new Error(`logitStats: targets and outputs need ${span} elements for rows ${at.stride} apart`);
  } else if (at) {
    const copies = at.copies ?? 1, copyStride = at.copyStride ?? 0;
    if (!(at.seq >= 1 && N % at.seq === 0 && at.seqStride >= at.seq && at.offset + at.seq <= at.seqStride)) throw new Error(`logitStats: placement seq=${at.seq}, seqStride=${at.seqStride}, offset=${at.offset} does not fit ${N} rows`);
    // Copies side by side within each sequence's stride, so no two outputs land on one element.
    if (!(Number.isInteger(copies) && copies >= 1 && (copies === 1 || (copyStride >= at.seq && at.offset + (copies - 1) * copyStride + at.seq <= at.seqStride)))) {
      throw new Error(`logitStats: placement of ${copies} copies ${copyStride} apart does not fit sequences ${at.seqStride} apart`);
    }
    const span = (N / at.seq) * at.seqStride;
    if (targets.size < span || logp.size < span || entropy.size < span || vmean.size < span) throw new Error(`logitStats: targets and outputs need ${span} elements for this placement`);
  } else if (targets.size < N || logp.size < N || entropy.size < N || vmean.size < N) throw new Error(`logitStats: outputs need ${N} elements`);
  // Without per-row positions the targets stand in for the positions' binding, which is then never read.
  const positions = at && 'positions' in at ? at.positions : targets;
  ctx.dispatch(kernel('logit_stats'), [logits, targets, logp, entropy, vmean, positions], params(N, V, temperature, 0, at), Math.ceil(N / ROWS_PER_WORKGROUP));
}

/** dlogits [N, V] from per-token gradients of logp, entropy and vmean; absent ones count as zero. */
export function logitStatsBackward(
  ctx: GpuContext,
  logits: Tensor,
  targets: Tensor,
  dlogits: Tensor,
  N: number,
  V: number,
  temperature: number,
  grads: { dlogp?: Tensor; dentropy?: Tensor; dvmean?: Tensor },
): void {
  check('logitStatsBackward', logits, targets, N, V, temperature);
  if (N === 0) return;
  const { dlogp, dentropy, dvmean } = grads;
  const mask = (dlogp ? 1 : 0) | (dentropy ? 2 : 0) | (dvmean ? 4 : 0);
  // Absent gradients bind the (read-only) logits in their place; the kernel skips them by the mask.
  const bindings = [logits, targets, dlogp ?? logits, dentropy ?? logits, dvmean ?? logits, dlogits];
  ctx.dispatch(kernel('logit_stats_backward'), bindings, params(N, V, temperature, mask), Math.ceil(N / ROWS_PER_WORKGROUP));
}

/** losses[n] = −mask[n]·logp[n]; dlogits = gradient of Σ losses / Σ mask (the caller sums losses for the loss). */
export function crossEntropy(ctx: GpuContext, logits: Tensor, targets: Tensor, mask: Tensor, losses: Tensor, dlogits: Tensor, N: number, V: number): void {
  check('crossEntropy', logits, targets, N, V, 1);
  if (N === 0) return;
  const maskSum = ctx.tensor([1]);
  reduceAll(ctx, mask.size === N ? mask : mask.view([N]), maskSum, 'sum');
  ctx.dispatch(kernel('cross_entropy'), [logits, targets, mask, maskSum, losses, dlogits], params(N, V, 1, 0), Math.ceil(N / ROWS_PER_WORKGROUP));
  maskSum.dispose();
}
