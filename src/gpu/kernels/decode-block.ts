// A transformer block's decode step in one dispatch (shaders/decode-block.wgsl):
// on a CPU adapter, where each dispatch costs more than the small products of
// a decode position, it replaces the block's five dispatches (six with a
// stored ln_1) with one and gives their bits. Reference: decodeBlockRef
// (src/gpu/reference/decode-block.ts).

import { type GpuContext, f32, u32 } from '../context';
import { LAYERNORM_EPS } from '../reference/layernorm';
import type { Tensor } from '../tensor';
import { type MatmulGrid, checkSize, defaultMatmulGrid, matmulKernel, matmulWorkgroupRows, vectorizable } from './matmul';

const FN = 'decodeBlock';

/** One block's activations for R rows, all views of one buffer (`arena`); x is the input, overwritten by the output. */
export interface DecodeBlockActs {
  arena: Tensor;
  x: Tensor;
  ln1: Tensor;
  qkv: Tensor;
  atty: Tensor;
  residual2: Tensor;
  ln2: Tensor;
  hidden: Tensor;
  /** The layer norm that follows the block writes here (the next ln_1, or ln_f). */
  next: Tensor;
}

/** One block's parameters, all views of `all` (the model's flat parameters); ln1 is read only with `normFirst`. */
export interface DecodeBlockParams {
  all: Tensor;
  ln1: { w: Tensor; b: Tensor };
  attn: { w: Tensor; b: Tensor };
  proj: { w: Tensor; b: Tensor };
  ln2: { w: Tensor; b: Tensor };
  fc: { w: Tensor; b: Tensor };
  fc2: { w: Tensor; b: Tensor };
  next: { w: Tensor; b: Tensor };
}

/** The KV cache of the block's layer ([R, Tmax, C] each), each row's position (u32 [R]) and the attention's scores scratch (≥ R·H·Tmax). */
export interface DecodeBlockCache {
  k: Tensor;
  v: Tensor;
  pos: Tensor;
  scores: Tensor;
  Tmax: number;
}

/** Whether a model of C channels and H heads suits decodeBlock: the vec4 products (C a multiple of 4) and the _vec8 attention (head size a multiple of 8). */
export function decodeBlockFits(C: number, H: number): boolean {
  return C % 4 === 0 && C % H === 0 && (C / H) % 8 === 0 && C / H <= 128;
}

/** Whether decodeBlock applies to R rows of such a model (R a multiple of 4). */
export function decodeBlockApplies(R: number, C: number, H: number): boolean {
  return R > 0 && vectorizable(R, C, C) && decodeBlockFits(C, H);
}

/** The vec4 index of `t` in `whole`, which it must be a view of. */
function vec4At(t: Tensor, whole: Tensor, what: string, wholeName: string): number {
  if (t.buffer !== whole.buffer || t.byteOffset < whole.byteOffset || t.byteOffset + t.byteLength > whole.byteOffset + whole.byteLength) throw new Error(`decodeBlock: ${what} must be a view of the ${wholeName}`);
  return (t.byteOffset - whole.byteOffset) / 16;
}

/**
 * Records one block's decode step for R rows (C channels, H heads): with
 * `normFirst`, ln1 = ln_1(x) first (otherwise ln1 already holds it); then
 * qkv, the new k and v into the caches at each row's position, attention,
 * residual2 = x + proj(atty), ln2, hidden = gelu(fc(ln2)), x = residual2 +
 * fc2(hidden), and next = the following layer norm of x. `grid` is the
 * adapter's default unless given (tests run each).
 */
export function decodeBlock(ctx: GpuContext, acts: DecodeBlockActs, prm: DecodeBlockParams, cache: DecodeBlockCache, dims: { R: number; C: number; H: number; normFirst: boolean }, grid: MatmulGrid = defaultMatmulGrid(ctx)): void {
  const { R, C, H, normFirst } = dims;
  if (!decodeBlockApplies(R, C, H)) throw new Error(`decodeBlock: needs R and C multiples of 4 and a head size C/H that is a multiple of 8 (got R=${R}, C=${C}, H=${H})`);
  if (cache.pos.dtype !== 'u32') throw new Error(`decodeBlock: pos must be u32, got ${cache.pos.dtype}`);
  const rows: [keyof DecodeBlockActs, number][] = [['x', C], ['ln1', C], ['qkv', 3 * C], ['atty', C], ['residual2', C], ['ln2', C], ['hidden', 4 * C], ['next', C]];
  for (const [k, w] of rows) checkSize(k, acts[k], R * w, FN);
  const shapes: [keyof Omit<DecodeBlockParams, 'all'>, number, number][] = [['ln1', C, C], ['attn', 3 * C * C, 3 * C], ['proj', C * C, C], ['ln2', C, C], ['fc', 4 * C * C, 4 * C], ['fc2', 4 * C * C, C], ['next', C, C]];
  for (const [k, w, b] of shapes) {
    checkSize(`${k} weight`, prm[k].w, w, FN);
    checkSize(`${k} bias`, prm[k].b, b, FN);
  }
  checkSize('k cache', cache.k, R * cache.Tmax * C, FN);
  checkSize('v cache', cache.v, R * cache.Tmax * C, FN);
  checkSize('pos', cache.pos, R, FN);
  if (cache.scores.size < R * H * cache.Tmax) throw new Error(`decodeBlock: scores has ${cache.scores.size} elements, needs ${R * H * cache.Tmax}`);
  const a = (k: keyof DecodeBlockActs) => u32(vec4At(acts[k], acts.arena, k, 'arena'));
  const w = (k: keyof Omit<DecodeBlockParams, 'all'>, part: 'w' | 'b') => u32(vec4At(prm[k][part], prm.all, `${k} ${part === 'w' ? 'weight' : 'bias'}`, 'parameters'));
  const hs = C / H;
  const uniforms = {
    R: u32(R), C: u32(C), H: u32(H), Tmax: u32(cache.Tmax), scale: f32(1 / Math.sqrt(hs)), norm_first: u32(normFirst ? 1 : 0),
    x_at: a('x'), ln1_at: a('ln1'), qkv_at: a('qkv'), atty_at: a('atty'), res2_at: a('residual2'), ln2_at: a('ln2'), h_at: a('hidden'), next_at: a('next'),
    ln1_w: w('ln1', 'w'), ln1_b: w('ln1', 'b'), attn_w: w('attn', 'w'), attn_b: w('attn', 'b'), proj_w: w('proj', 'w'), proj_b: w('proj', 'b'),
    ln2_w: w('ln2', 'w'), ln2_b: w('ln2', 'b'), fc_w: w('fc', 'w'), fc_b: w('fc', 'b'), fc2_w: w('fc2', 'w'), fc2_b: w('fc2', 'b'), next_w: w('next', 'w'), next_b: w('next', 'b'),
  };
  const kernel = matmulKernel(ctx, 'decode-block', 'decode_block', grid, { HS: hs, LN_EPS: LAYERNORM_EPS });
  ctx.dispatch(kernel, [acts.arena, prm.all, cache.k, cache.v, cache.pos, cache.scores], uniforms, Math.ceil(R / matmulWorkgroupRows(grid)));
}
