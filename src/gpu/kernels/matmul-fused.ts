// Matrix products with a fused epilogue (shaders/matmul-fused.wgsl):
// each saves one or more dispatches over matmul + elementwise + columnSum, and
// gives the same bits as that sequence (same product, same epilogue arithmetic).

import type { GpuContext } from '../context';
import { LAYERNORM_EPS } from '../reference/layernorm';
import { type Tensor, spanViews } from '../tensor';
import { FLAG_ACCUMULATE, FLAG_BIAS, type MatmulGrid, type MatmulLayout, checkSize, defaultMatmulGrid, matmulKernel, matmulParams, matmulWorkgroupRows, matmulWorkgroups, vectorizable } from './matmul';

const FLAG_GELU = 4;
const FLAG_SAVE_PRE = 8;
const FLAG_RESIDUAL = 16;
const FLAG_GELU_BACKWARD = 32;
const FLAG_ROW_SUMS = 64;
const FLAG_ROW_SUMS_ACCUMULATE = 128;

/** Shapes of a fused product: C[M,N] from a K-long contraction. */
export interface MatmulDims {
  M: number;
  K: number;
  N: number;
}

interface Fused {
  layout: MatmulLayout;
  bias?: Tensor;
  accumulate?: boolean;
  /** Read beside C: the residual, or the pre-activation for the GELU backward. */
  side?: Tensor;
  /** Written beside C: the pre-activation, or A's row sums. */
  sideOut?: Tensor;
  flags: number;
  /** A layer norm applied to A's rows as they are loaded ('nt' on vec4 shapes only): its weight and bias, K long. */
  ln?: { w: Tensor; b: Tensor };
  /** A layer norm of C's rows written to sideOut (nt_v4_res_ln): its weight and bias (one span), and the span of its means and rstds. */
  lnAfter?: { params: Tensor; stats: Tensor; lnBAt: number; rstdAt: number };
  /** The invocations' layout; the adapter's default unless given. */
  grid?: MatmulGrid;
}

function fusedMatmul(ctx: GpuContext, fn: string, a: Tensor, b: Tensor, out: Tensor, { M, K, N }: MatmulDims, f: Fused): void {
  checkSize('A', a, M * K, fn);
  checkSize('B', b, K * N, fn);
  checkSize('C', out, M * N, fn);
  if (f.bias) checkSize('bias', f.bias, N, fn);
  if (M === 0 || N === 0) return;
  const flags = f.flags | (f.bias ? FLAG_BIAS : 0) | (f.accumulate ? FLAG_ACCUMULATE : 0);
  const vec4 = K > 0 && vectorizable(M, K, N);
  if (f.ln && !(vec4 && f.layout === 'nt')) throw new Error(`${fn}: the layer-norm prologue needs the 'nt' layout and M, K, N multiples of 4 (got ${f.layout}, ${M}×${K}×${N})`);
  const grid = f.grid ?? defaultMatmulGrid(ctx);
  if (f.lnAfter && !(f.layout === 'nt' && residualNormApplies(M, K, N))) throw new Error(`${fn}: the layer-norm epilogue needs the 'nt' layout and M, K, N multiples of 4 (got ${f.layout}, ${M}×${K}×${N})`);
  const entry = f.ln ? 'nt_v4_ln' : f.lnAfter ? 'nt_v4_res_ln' : vec4 ? `${f.layout}_v4_fused` : 'general_fused';
  // Bindings the epilogue does not use are still declared: A stands in for the read ones, a
  // pooled scratch (a separate buffer, as WebGPU wants for writable bindings) for the written one.
  const scratch = f.sideOut ? null : ctx.tensor([4]);
  const norm = f.ln ? [f.ln.w, f.ln.b] : f.lnAfter ? [f.lnAfter.params, f.lnAfter.stats] : [];
  const bindings = [a, b, f.bias ?? a, out, f.side ?? a, f.sideOut ?? scratch!, ...norm];
  const constants: Record<string, number> = norm.length ? { FLAGS: flags, LN_EPS: LAYERNORM_EPS } : { FLAGS: flags };
  // The layer-norm epilogue's workgroups each span all N columns of their rows.
  const workgroups: [number, number, number] = f.lnAfter ? [1, Math.ceil(M / matmulWorkgroupRows(grid)), 1] : matmulWorkgroups(M, N, grid);
  ctx.dispatch(matmulKernel(ctx, 'matmul-fused', entry, grid, constants), bindings, matmulParams(f.layout, M, K, N, flags, f.lnAfter), workgroups);
  scratch?.dispose();
}

/**
 * y[M,N] = gelu(x[M,K]·W[N,K]ᵀ + b); with `pre` [M,N], also writes the
 * pre-activation x·Wᵀ + b there for the backward pass (pre must not overlap y).
 * Replaces matmul + gelu.
 */
export function matmulBiasGelu(ctx: GpuContext, x: Tensor, w: Tensor, bias: Tensor, y: Tensor, dims: MatmulDims, pre?: Tensor): void {
  if (pre) checkSize('pre', pre, dims.M * dims.N, 'matmulBiasGelu');
  fusedMatmul(ctx, 'matmulBiasGelu', x, w, y, dims, { layout: 'nt', bias, sideOut: pre, flags: FLAG_GELU | (pre ? FLAG_SAVE_PRE : 0) });
}

/** y[M,N] = r[M,N] + x[M,K]·W[N,K]ᵀ + b (r must not be y). Replaces matmul + add. */
export function matmulBiasResidual(ctx: GpuContext, x: Tensor, w: Tensor, bias: Tensor, residual: Tensor, y: Tensor, dims: MatmulDims): void {
  checkSize('residual', residual, dims.M * dims.N, 'matmulBiasResidual');
  fusedMatmul(ctx, 'matmulBiasResidual', x, w, y, dims, { layout: 'nt', bias, side: residual, flags: FLAG_RESIDUAL });
}

/**
 * dx[M,N] = (dy[M,K]·W[K,N]) ⊙ gelu'(pre[M,N]): the backward of y = gelu(pre)·Wᵀ
 * down to the pre-activation. Replaces matmul ('nn') + geluBackward.
 */
export function matmulGeluBackward(ctx: GpuContext, dy: Tensor, w: Tensor, pre: Tensor, dx: Tensor, dims: MatmulDims): void {
  checkSize('pre', pre, dims.M * dims.N, 'matmulGeluBackward');
  fusedMatmul(ctx, 'matmulGeluBackward', dy, w, dx, dims, { layout: 'nn', side: pre, flags: FLAG_GELU_BACKWARD });
}

/**
 * The parameter gradients of y[rows, out] = x[rows, in]·Wᵀ + b in one dispatch:
 * dW[out, in] = dyᵀ·x and db[out] = Σ_rows dy, written, or added to with
 * `accumulate`. Replaces matmul ('tn') + columnSum.
 */
export function matmulWeightBiasGrad(ctx: GpuContext, dy: Tensor, x: Tensor, dW: Tensor, db: Tensor, rows: number, inDim: number, outDim: number, accumulate = false): void {
  checkSize('db', db, outDim, 'matmulWeightBiasGrad');
  const flags = FLAG_ROW_SUMS | (accumulate ? FLAG_ROW_SUMS_ACCUMULATE : 0);
  fusedMatmul(ctx, 'matmulWeightBiasGrad', dy, x, dW, { M: outDim, K: rows, N: inDim }, { layout: 'tn', accumulate, sideOut: db, flags });
}

/** A layer norm's weight and bias, each C long. */
export interface LayerNormParams {
  w: Tensor;
  b: Tensor;
}

/** Whether layernormMatmul applies: the vec4 product, so M rows, C channels and N outputs all multiples of 4. */
export function layernormMatmulApplies(M: number, C: number, N: number): boolean {
  return C > 0 && vectorizable(M, C, N);
}

/**
 * y[M,N] = LN(x)[M,C]·W[N,C]ᵀ + b, optionally through GELU: the layer norm
 * (src/gpu/kernels/layernorm.ts, the same sums) folded into the product, so
 * the normalised rows, their means and rstds are never stored. For a forward
 * with no backward after it (the sampler); replaces layernormForward +
 * matmul (or matmulBiasGelu) with the same bits, one dispatch instead of two.
 */
export function layernormMatmul(ctx: GpuContext, x: Tensor, ln: LayerNormParams, w: Tensor, bias: Tensor, y: Tensor, dims: MatmulDims, o: { gelu?: boolean } = {}): void {
  checkSize('ln weight', ln.w, dims.K, 'layernormMatmul');
  checkSize('ln bias', ln.b, dims.K, 'layernormMatmul');
  fusedMatmul(ctx, 'layernormMatmul', x, w, y, dims, { layout: 'nt', bias, ln, flags: o.gelu ? FLAG_GELU : 0 });
}

/**
 * Whether matmulBiasResidualNorm applies: the vec4 product (M, K, N multiples
 * of 4); each workgroup runs across all N columns of its rows, so it holds
 * whole rows of y to normalise.
 */
export function residualNormApplies(M: number, K: number, N: number): boolean {
  return K > 0 && vectorizable(M, K, N);
}

/**
 * y[M,N] = r[M,N] + x[M,K]·W[N,K]ᵀ + b, then ln.out[M,N] = LN(y) with the
 * layer norm's weight and bias (N long) and each row's mean and rstd (M
 * long): the next layer norm as the residual product's epilogue. Replaces
 * matmulBiasResidual + layernormForward with the same bits, one dispatch
 * instead of two; needs residualNormApplies. The weight and bias must be
 * views of one buffer, bias after weight (as a model's parameters are laid
 * out), and so must the mean and rstd. `grid` is the adapter's default unless
 * given (tests run each).
 */
export function matmulBiasResidualNorm(ctx: GpuContext, x: Tensor, w: Tensor, bias: Tensor, residual: Tensor, y: Tensor, dims: MatmulDims, ln: LayerNormParams & { out: Tensor; mean: Tensor; rstd: Tensor }, grid?: MatmulGrid): void {
  const fn = 'matmulBiasResidualNorm';
  checkSize('residual', residual, dims.M * dims.N, fn);
  checkSize('ln weight', ln.w, dims.N, fn);
  checkSize('ln bias', ln.b, dims.N, fn);
  checkSize('ln out', ln.out, dims.M * dims.N, fn);
  checkSize('ln mean', ln.mean, dims.M, fn);
  checkSize('ln rstd', ln.rstd, dims.M, fn);
  const params = spanViews(ln.w, ln.b, 4, "layer norm's weight and bias", fn);
  const stats = spanViews(ln.mean, ln.rstd, 1, "layer norm's mean and rstd", fn);
  fusedMatmul(ctx, fn, x, w, y, dims, { layout: 'nt', bias, side: residual, sideOut: ln.out, lnAfter: { params: params.t, stats: stats.t, lnBAt: params.at, rstdAt: stats.at }, flags: FLAG_RESIDUAL, ...(grid ? { grid } : {}) });
}
