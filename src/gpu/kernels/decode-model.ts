// One decode position of the whole model in one dispatch (shaders/decode-model.wgsl):
// embedding, every block with its KV-cache append, the final layer norm and the
// logits, for every row. It reproduces the unfused decode (decode_embed, the
// blocks' kernels on the 'rows' attention strategy, the output head) bit for
// bit, which is its reference (src/gpu/kernels/decode-model.test.ts); the
// unfused kernels are held to the plain TypeScript references in their own tests.

import { type GpuContext, f32, u32 } from '../context';
import { LAYERNORM_EPS } from '../reference/layernorm';
import { BINDING_ALIGN, type Tensor } from '../tensor';
import { defaultAttentionStrategy } from './attention';

/** Vec4s per row of the scratch buffer: x, ln, qkv (3), atty, residual, fc (4), each C/4 (ROW_SECTIONS in the shader). */
const ROW_SECTIONS = 11;
/** One invocation per row, four per workgroup (the shader's workgroup_size). */
const INVOCATIONS_PER_WORKGROUP = 4;

/**
 * Whether the fused decode reproduces this model's unfused decode on this
 * adapter: it repeats the 'rows' attention kernels (the CPU adapters' choice;
 * a GPU's tiled attention sums differently) at a head size that is a multiple
 * of 8, and vec4 rows.
 */
export function fusedDecodeApplies(ctx: GpuContext, C: number, H: number): boolean {
  const hs = C / H;
  return defaultAttentionStrategy(ctx) === 'rows' && C % 4 === 0 && Number.isInteger(hs) && hs % 8 === 0;
}

/** The model's sizes: channels, heads, layers, vocabulary. */
export interface DecodeModelDims {
  C: number;
  H: number;
  L: number;
  V: number;
}

/** Entries of the offsets table: wte, wpe, ln_f weight and bias, the output matrix, then DECODE_LAYER_PARAMS per layer. */
export const DECODE_TOP_PARAMS = 5;
export const DECODE_LAYER_PARAMS = 12;

/** Floats from one layer's k (or v) cache to the next: room for [R, Tmax, C], rounded up so each cache's view is a valid binding. */
export function decodeCacheStride(R: number, Tmax: number, C: number): number {
  const align = BINDING_ALIGN / 4;
  return Math.ceil((R * Tmax * C) / align) * align;
}

/** Floats of scratch the fused decode needs for R rows. */
export function decodeModelScratchSize(R: number, C: number): number {
  return R * ROW_SECTIONS * C;
}

export interface DecodeModelBuffers {
  /** The model's flat parameters and the table of vec4 offsets into them (u32; src/model/block.ts decodeModelOffsets). */
  params: Tensor;
  offsets: Tensor;
  policyBias: Tensor;
  /** u32 [R, T]: the token at column s of each row is fed. */
  tokens: Tensor;
  /** Every layer's k then v cache, [R, Tmax, C] each, `cacheStride` floats apart (a multiple of 4). */
  caches: Tensor;
  cacheStride: number;
  /** decodeModelScratchSize(R, C) floats, and [R, H, Tmax] for the attention scores. */
  scratch: Tensor;
  scores: Tensor;
  /** [R, V] out. */
  logits: Tensor;
}

/** Records position s for all R rows: caches appended at s (clamped to Tmax − 1), logits [R, V] written. */
export function decodeModel(ctx: GpuContext, dims: DecodeModelDims, b: DecodeModelBuffers, shape: { R: number; T: number; Tmax: number }, s: number): void {
  const { C, H, L, V } = dims;
  const { R, T, Tmax } = shape;
  if (!fusedDecodeApplies(ctx, C, H)) throw new Error(`decodeModel: needs the 'rows' attention strategy, C % 4 = 0 and a head size divisible by 8 (C=${C}, H=${H})`);
  if (!(s >= 0 && s < T)) throw new Error(`decodeModel: position ${s} outside 0..${T - 1}`);
  if (b.cacheStride % 4 !== 0 || b.cacheStride < R * Tmax * C) throw new Error(`decodeModel: cache stride ${b.cacheStride} must be a multiple of 4 and hold ${R}×${Tmax}×${C}`);
  const want: [string, Tensor, number, 'f32' | 'u32'][] = [
    ['offsets', b.offsets, DECODE_TOP_PARAMS + DECODE_LAYER_PARAMS * L, 'u32'],
    ['policyBias', b.policyBias, V, 'f32'],
    ['tokens', b.tokens, R * T, 'u32'],
    ['caches', b.caches, (2 * L - 1) * b.cacheStride + R * Tmax * C, 'f32'],
    ['scratch', b.scratch, decodeModelScratchSize(R, C), 'f32'],
    ['scores', b.scores, R * H * Tmax, 'f32'],
    ['logits', b.logits, R * V, 'f32'],
  ];
  for (const [what, t, size, dtype] of want) if (t.size < size || t.dtype !== dtype) throw new Error(`decodeModel ${what}: must be ${dtype} with ≥ ${size} elements, has ${t.size} ${t.dtype}`);
  if (R === 0) return;
  const hs = C / H;
  const params = { R: u32(R), T: u32(T), C: u32(C), H: u32(H), V: u32(V), L: u32(L), Tmax: u32(Tmax), pos: u32(s), cache_stride4: u32(b.cacheStride / 4), eps: f32(LAYERNORM_EPS), scale: f32(1 / Math.sqrt(hs)) };
  ctx.dispatch({ shader: 'decode-model', entry: 'decode_model', constants: { HS: hs } }, [b.params, b.offsets, b.policyBias, b.tokens, b.caches, b.scratch, b.scores, b.logits], params, Math.ceil(R / INVOCATIONS_PER_WORKGROUP));
}
