import { type GpuContext, type KernelRef, u32 } from '../context';
import type { MatmulLayout } from '../reference/matmul';
import type { Tensor } from '../tensor';

export type { MatmulLayout } from '../reference/matmul';

export interface MatmulOptions {
  M: number;
  K: number;
  N: number;
  layout: MatmulLayout;
  /** Length N, added to every row of C. */
  bias?: Tensor;
  /** Add the product to C's current contents instead of overwriting them. */
  accumulate?: boolean;
  /** How invocations share the work; the adapter's default unless given (tests run each). */
  grid?: MatmulGrid;
}

/** Rows and columns of C computed by one invocation (TILE_M, TILE_N in shaders/matmul-core.wgsl). */
export const MATMUL_TILE_M = 8;
export const MATMUL_TILE_N = 16;

/**
 * How a product's invocations are laid out (WG_X × WG_Y in
 * shaders/matmul-core.wgsl); the sums, and so the bits, are the same in each:
 * - 'shared': 1×4, the four stacked along M and sharing their 16 columns of
 *   B through subgroup broadcasts, for CPU adapters whose subgroups are 4
 *   lanes (SwiftShader), where every load is a per-lane gather and each
 *   workgroup is one SIMD group;
 * - 'stacked': the same 1×4 with each invocation loading B itself, for CPU
 *   adapters without such subgroups;
 * - 'square': 4×4, for GPUs.
 */
export type MatmulGrid = 'shared' | 'stacked' | 'square';
export const MATMUL_GRIDS: readonly MatmulGrid[] = ['shared', 'stacked', 'square'];

const GRID_SHAPES: Record<MatmulGrid, { x: number; y: number; defines: readonly string[] }> = {
  shared: { x: 1, y: 4, defines: ['SUBGROUPS'] },
  stacked: { x: 1, y: 4, defines: [] },
  square: { x: 4, y: 4, defines: [] },
};

/** The grids this context can run ('shared' needs subgroups of exactly 4 lanes). */
export function matmulGrids(ctx: GpuContext): MatmulGrid[] {
  return MATMUL_GRIDS.filter((g) => g !== 'shared' || ctx.subgroupSize === 4);
}

/**
 * 'shared' on a CPU adapter with 4-lane subgroups (on SwiftShader 1.4–1.8×
 * faster per product than each invocation loading B, docs/benchmarks.md),
 * 'stacked' on other CPU adapters, 'square' on a GPU.
 */
export function defaultMatmulGrid(ctx: GpuContext): MatmulGrid {
  if (!ctx.adapter.isSoftware) return 'square';
  return ctx.subgroupSize === 4 ? 'shared' : 'stacked';
}

/** The pipeline of a product entry point laid out as `grid` (and any further constants). */
export function matmulKernel(ctx: GpuContext, shader: 'matmul' | 'matmul-fused' | 'decode-block', entry: string, grid: MatmulGrid, constants: Record<string, number> = {}): KernelRef {
  if (grid === 'shared' && ctx.subgroupSize !== 4) throw new Error(`matmul: the 'shared' grid needs subgroups of 4 lanes; this device has ${ctx.subgroupSize === null ? 'no fixed subgroup size' : `subgroups of ${ctx.subgroupSize}`}`);
  const { x, y, defines } = GRID_SHAPES[grid];
  return { shader, entry, constants: { ...constants, WG_X: x, WG_Y: y }, defines };
}

/** Rows of C one workgroup covers. */
export function matmulWorkgroupRows(grid: MatmulGrid): number {
  return MATMUL_TILE_M * GRID_SHAPES[grid].y;
}

/** Columns of C one workgroup covers. */
export function matmulWorkgroupColumns(grid: MatmulGrid): number {
  return MATMUL_TILE_N * GRID_SHAPES[grid].x;
}

/** Workgroups covering C[M,N]. */
export function matmulWorkgroups(M: number, N: number, grid: MatmulGrid): [number, number, number] {
  return [Math.ceil(N / matmulWorkgroupColumns(grid)), Math.ceil(M / matmulWorkgroupRows(grid)), 1];
}
const COLUMN_SUM_WORKGROUP = 64;

export const FLAG_BIAS = 1;
export const FLAG_ACCUMULATE = 2;

/** Element strides of A(m, k) and B(k, n) as each layout stores them. */
function strides(layout: MatmulLayout, M: number, K: number, N: number): [number, number, number, number] {
  if (layout === 'nn') return [K, 1, N, 1];
  if (layout === 'nt') return [K, 1, 1, K];
  return [1, M, N, 1];
}

/** The uniforms of shaders/matmul-core.wgsl's Params for one product. */
export function matmulParams(layout: MatmulLayout, M: number, K: number, N: number, flags: number, norm: { lnBAt: number; rstdAt: number } = { lnBAt: 0, rstdAt: 0 }) {
  const [aM, aK, bK, bN] = strides(layout, M, K, N);
  return { M: u32(M), K: u32(K), N: u32(N), flags: u32(flags), a_m: u32(aM), a_k: u32(aK), b_k: u32(bK), b_n: u32(bN), ln_b_at: u32(norm.lnBAt), rstd_at: u32(norm.rstdAt) };
}

/**
 * The vec4 kernels load along K and N (and along M for 'tn') and clamp whole
 * 4-blocks at tile edges, so they need M, K and N to be multiples of 4.
 */
export function vectorizable(M: number, K: number, N: number): boolean {
  return M % 4 === 0 && K % 4 === 0 && N % 4 === 0;
}

export function checkSize(what: string, t: Tensor, want: number, fn = 'matmul'): void {
  if (t.size !== want) throw new Error(`${fn}: ${what} has ${t.size} elements [${t.shape.join(', ')}], expected ${want}`);
}

/**
 * C[M,N] = A·B (+ bias) (+ C) in the given layout:
 * 'nn' A[M,K]·B[K,N], 'nt' A[M,K]·B[N,K]ᵀ, 'tn' A[K,M]ᵀ·B[K,N].
 * `out` must not alias `a`, `b` or `bias`.
 */
export function matmul(ctx: GpuContext, a: Tensor, b: Tensor, out: Tensor, opts: MatmulOptions): void {
  const { M, K, N, layout, bias, accumulate = false, grid = defaultMatmulGrid(ctx) } = opts;
  checkSize('A', a, M * K);
  checkSize('B', b, K * N);
  checkSize('C', out, M * N);
  if (bias) checkSize('bias', bias, N);
  if (M === 0 || N === 0) return;
  const flags = (bias ? FLAG_BIAS : 0) | (accumulate ? FLAG_ACCUMULATE : 0);
  const entry = K > 0 && vectorizable(M, K, N) ? `${layout}_v4` : 'general';
  // Without a bias the binding is still declared; A stands in and is never read.
  ctx.dispatch(matmulKernel(ctx, 'matmul', entry, grid), [a, b, bias ?? a, out], matmulParams(layout, M, K, N, flags), matmulWorkgroups(M, N, grid));
}

/** out[N] = Σ_rows x[M,N] (the bias gradient); with `accumulate`, out += that. */
export function columnSum(ctx: GpuContext, x: Tensor, out: Tensor, M: number, N: number, accumulate = false): void {
  if (x.size !== M * N) throw new Error(`columnSum: x has ${x.size} elements, expected M·N = ${M * N}`);
  if (out.size !== N) throw new Error(`columnSum: out has ${out.size} elements, expected N = ${N}`);
  if (N === 0) return;
  const params = { M: u32(M), K: u32(0), N: u32(N), flags: u32(accumulate ? FLAG_ACCUMULATE : 0), a_m: u32(0), a_k: u32(0), b_k: u32(0), b_n: u32(0), ln_b_at: u32(0), rstd_at: u32(0) };
  ctx.dispatch({ shader: 'matmul', entry: 'column_sum' }, [x, out], params, Math.ceil(N / COLUMN_SUM_WORKGROUP));
}
