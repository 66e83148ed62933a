// Bit-reproducible reductions: rows of a matrix, or a whole tensor in two
// passes (strided slices, then one invocation combining them in order).

import { type GpuContext, type KernelRef, u32 } from '../context';
import type { Tensor } from '../tensor';
import type { ReduceOp } from '../reference/reduce';

export type { ReduceOp } from '../reference/reduce';

const OP_CODE = { sum: 0, mean: 1, var: 2, max: 3, sumsq: 4 } as const;

const SERIAL_WG = 64;
const TREE_WG = 256;
/** Whole-tensor reductions split into at most this many slices (pass 2 walks them sequentially). */
const MAX_SLICES = 4096;
const MIN_SLICE = 64;
/** On hardware GPUs, rows at least this long get a workgroup each. */
const TREE_MIN_LENGTH = 512;

/**
 * 'serial': one invocation per row (barrier-free; the fast choice on CPU adapters and for short rows).
 * 'tree': one workgroup per row with a fixed-shape tree (long rows on GPUs).
 */
export type RowStrategy = 'serial' | 'tree';

export function defaultRowStrategy(ctx: GpuContext, L: number): RowStrategy {
  return !ctx.adapter.isSoftware && L >= TREE_MIN_LENGTH ? 'tree' : 'serial';
}

function kernel(entry: string, constants?: Record<string, number>): KernelRef {
  return { shader: 'reduce', entry, constants };
}

/** out[r] = op over x[r, 0..L)   (x [R, L], out [R]); var is the population variance. */
export function reduceRows(ctx: GpuContext, x: Tensor, out: Tensor, R: number, L: number, op: ReduceOp, strategy: RowStrategy = defaultRowStrategy(ctx, L)): void {
  if (x.size < R * L || out.size < R) throw new Error(`reduceRows: x has ${x.size} of ${R}×${L}, out ${out.size} of ${R}`);
  if (R === 0) return;
  if (L === 0) throw new Error('reduceRows: empty rows');
  const params = { rows: u32(R), len: u32(L), n: u32(R * L), op: u32(OP_CODE[op]) };
  if (strategy === 'tree') ctx.dispatch(kernel('reduce_rows_tree', { WG: TREE_WG }), [x, out], params, R);
  else ctx.dispatch(kernel('reduce_rows'), [x, out], params, Math.ceil(R / SERIAL_WG));
}

function reduceWhole(ctx: GpuContext, x: Tensor, out: Tensor, code: number): void {
  const n = x.size;
  if (n === 0) throw new Error('reduceAll: empty tensor');
  if (out.size < 1) throw new Error('reduceAll: out needs one element');
  const slices = Math.min(MAX_SLICES, Math.ceil(n / MIN_SLICE));
  const moments = ctx.tensor([slices, 4]);
  const params = { rows: u32(slices), len: u32(n), n: u32(n), op: u32(code) };
  ctx.dispatch(kernel('reduce_slices'), [x, moments], params, Math.ceil(slices / SERIAL_WG));
  ctx.dispatch(kernel('combine_slices'), [moments, out], params, 1);
  // Later work is recorded after these dispatches, so the buffer can go back to the pool now.
  moments.dispose();
}

/** out[0] = op over every element of x, in a fixed order. */
export function reduceAll(ctx: GpuContext, x: Tensor, out: Tensor, op: ReduceOp): void {
  reduceWhole(ctx, x, out, OP_CODE[op]);
}

/** out[0] = Σ x²  (the squared global gradient norm). */
export function sumOfSquares(ctx: GpuContext, x: Tensor, out: Tensor): void {
  reduceWhole(ctx, x, out, OP_CODE.sumsq);
}
