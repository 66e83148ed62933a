// Bit-reproducible reductions: rows of a matrix, or a whole tensor in two
// passes (chunk partials, then one workgroup over the partials).

import { type GpuContext, type KernelRef, u32 } from '../context';
import type { Tensor } from '../tensor';
import type { ReduceOp } from '../reference/reduce';

export type { ReduceOp } from '../reference/reduce';

const OP_CODE = { sum: 0, mean: 1, var: 2, max: 3, sumsq: 4 } as const;

/** Whole-tensor reductions use at most this many chunks, so pass 2 stays one small workgroup's work. */
const MAX_CHUNKS = 1024;
const MIN_CHUNK = 1024;
const CHUNK_WG = 256;

/** Workgroup size for a row of length L: enough invocations to cover the row, few enough to keep barriers cheap. */
export function rowWorkgroupSize(L: number): number {
  let wg = 16;
  while (wg < 256 && wg * 4 < L) wg *= 2;
  return wg;
}

function kernel(entry: string, wg: number): KernelRef {
  return { shader: 'reduce', entry, constants: { WG: wg } };
}

/** out[r] = op over x[r, 0..L)   (x [R, L], out [R]). */
export function reduceRows(ctx: GpuContext, x: Tensor, out: Tensor, R: number, L: number, op: ReduceOp): void {
  if (x.size < R * L || out.size < R) throw new Error(`reduceRows: x has ${x.size} of ${R}×${L}, out ${out.size} of ${R}`);
  if (R === 0) return;
  if (L === 0) throw new Error('reduceRows: empty rows');
  ctx.dispatch(kernel('reduce_rows', rowWorkgroupSize(L)), [x, out], [u32(R), u32(L), u32(R * L), u32(OP_CODE[op])], R);
}

function reduceWhole(ctx: GpuContext, x: Tensor, out: Tensor, code: number): void {
  const n = x.size;
  if (n === 0) throw new Error('reduceAll: empty tensor');
  if (out.size < 1) throw new Error('reduceAll: out needs one element');
  const chunk = Math.max(MIN_CHUNK, Math.ceil(n / MAX_CHUNKS));
  const chunks = Math.ceil(n / chunk);
  const partials = ctx.tensor([2 * chunks]);
  const params = [u32(chunks), u32(chunk), u32(n), u32(code)];
  ctx.dispatch(kernel('reduce_chunks', CHUNK_WG), [x, partials], params, chunks);
  ctx.dispatch(kernel('combine_chunks', CHUNK_WG), [partials, out], params, 1);
  // Later work is recorded after these dispatches, so the buffer can go back to the pool now.
  partials.dispose();
}

/** out[0] = op over every element of x, in a fixed order. */
export function reduceAll(ctx: GpuContext, x: Tensor, out: Tensor, op: ReduceOp): void {
  reduceWhole(ctx, x, out, OP_CODE[op]);
}

/** out[0] = Σ x²  (the squared global gradient norm). */
export function sumOfSquares(ctx: GpuContext, x: Tensor, out: Tensor): void {
  reduceWhole(ctx, x, out, OP_CODE.sumsq);
}
