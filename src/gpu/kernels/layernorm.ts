import { type GpuContext, f32, u32 } from '../context';
import { LAYERNORM_EPS } from '../reference/layernorm';
import { type Tensor, spanViews } from '../tensor';

/**
 * Invocations per workgroup (WG in shaders/layernorm.wgsl): 16, so the
 * sampler's 64-row norms spread over four workgroups and every core of a CPU
 * adapter, which runs one workgroup per thread.
 */
const WG = 16;

/** The vec4 variant of an entry point when rows are whole vec4s. */
const kernel = (entry: string, C: number) => ({ shader: 'layernorm', entry: C % 4 === 0 ? `${entry}_vec4` : entry, constants: { WG } });

function expectSize(what: string, t: Tensor, size: number): void {
  if (t.size !== size) throw new Error(`${what}: ${t.size} elements [${t.shape.join(', ')}], expected ${size}`);
}

/** out = LayerNorm(x)·w + b over rows of x [N,C]; saves mean [N] and rstd [N] for the backward pass. */
export function layernormForward(ctx: GpuContext, x: Tensor, w: Tensor, b: Tensor, out: Tensor, mean: Tensor, rstd: Tensor, N: number, C: number): void {
  expectSize('layernormForward x', x, N * C);
  expectSize('layernormForward out', out, N * C);
  expectSize('layernormForward w', w, C);
  expectSize('layernormForward b', b, C);
  expectSize('layernormForward mean', mean, N);
  expectSize('layernormForward rstd', rstd, N);
  ctx.dispatch(kernel('layernorm_forward', C), [x, w, b, out, mean, rstd], { N: u32(N), C: u32(C), eps: f32(LAYERNORM_EPS), accumulate: u32(0), residual: u32(0), dx_slots: u32(0), rstd_at: u32(0) }, Math.ceil(N / WG));
}

/** dx is written; dw and db are written, or added to when accumulateParams. mean and rstd must be views of one buffer, rstd after mean (normStats in src/model/block.ts makes them so). */
export function layernormBackward(
  ctx: GpuContext,
  dout: Tensor,
  x: Tensor,
  w: Tensor,
  mean: Tensor,
  rstd: Tensor,
  dx: Tensor,
  dw: Tensor,
  db: Tensor,
  N: number,
  C: number,
  accumulateParams = false,
): void {
  backward(ctx, dout, x, w, mean, rstd, null, dx, dw, db, N, C, accumulateParams);
}

/**
 * layernormBackward for a pre-norm block's layernorm: dx = dres + (the
 * layernorm's input gradient), where dres [N,C] is the gradient already
 * flowing down the residual stream (dres must not be dx). Replaces
 * layernormBackward + add, with the same bits.
 */
export function layernormBackwardResidual(
  ctx: GpuContext,
  dout: Tensor,
  x: Tensor,
  w: Tensor,
  mean: Tensor,
  rstd: Tensor,
  dres: Tensor,
  dx: Tensor,
  dw: Tensor,
  db: Tensor,
  N: number,
  C: number,
  accumulateParams = false,
): void {
  expectSize('layernormBackwardResidual dres', dres, N * C);
  backward(ctx, dout, x, w, mean, rstd, dres, dx, dw, db, N, C, accumulateParams);
}

function backward(ctx: GpuContext, dout: Tensor, x: Tensor, w: Tensor, mean: Tensor, rstd: Tensor, dres: Tensor | null, dx: Tensor, dw: Tensor, db: Tensor, N: number, C: number, accumulateParams: boolean): void {
  for (const [what, t] of [['dout', dout], ['x', x], ['dx', dx]] as const) expectSize(`layernormBackward ${what}`, t, N * C);
  for (const [what, t] of [['w', w], ['dw', dw], ['db', db]] as const) expectSize(`layernormBackward ${what}`, t, C);
  expectSize('layernormBackward mean', mean, N);
  expectSize('layernormBackward rstd', rstd, N);
  const stats = spanViews(mean, rstd, 1, 'mean and rstd', 'layernormBackward');
  // dx's rows on the first workgroups, dw and db's channels (or vec4s of them) on the rest: one dispatch.
  const dxGroups = Math.ceil(N / WG);
  const paramGroups = Math.ceil((C % 4 === 0 ? C / 4 : C) / WG);
  const params = { N: u32(N), C: u32(C), eps: f32(LAYERNORM_EPS), accumulate: u32(accumulateParams ? 1 : 0), residual: u32(dres ? 1 : 0), dx_slots: u32(dxGroups * WG), rstd_at: u32(stats.at) };
  // Without a residual, dout stands in for dres and is never read.
  ctx.dispatch(kernel('layernorm_backward', C), [dout, x, stats.t, w, dx, dres ?? dout, dw, db], params, dxGroups + paramGroups);
}
