import { type GpuContext, type KernelRef, MAX_WORKGROUPS_PER_DIM, f32, u32 } from '../context';
import type { Tensor } from '../tensor';

/**
 * 'rows': one invocation per row, no workgroup memory (shaders/attention.wgsl);
 * the fast choice on CPU adapters, where workgroup barriers are slow.
 * 'tiled': a workgroup per block of rows sharing keys and values through
 * workgroup memory (shaders/attention-tiled.wgsl), for GPUs.
 * Each strategy's decode reproduces its own forward rows bit for bit.
 */
export type AttentionStrategy = 'rows' | 'tiled';
export const ATTENTION_STRATEGIES: readonly AttentionStrategy[] = ['rows', 'tiled'];

export function defaultAttentionStrategy(ctx: GpuContext): AttentionStrategy {
  return ctx.adapter.isSoftware ? 'rows' : 'tiled';
}

/** Invocations per workgroup of the 'rows' kernels, and rows per workgroup of the 'tiled' ones (QT). */
const WG = 64;
const DECODE_WG = 16;
const TILE_ROWS = 32;

function expectSize(what: string, t: Tensor, size: number): void {
  if (t.size !== size) throw new Error(`${what}: ${t.size} elements [${t.shape.join(', ')}], expected ${size}`);
}

/** The shader keeps one head's vectors in registers; see MAX_HS in shaders/attention.wgsl. */
const MAX_HEAD_SIZE = 128;

function headSize(C: number, H: number): number {
  if (C % H !== 0) throw new Error(`attention: C=${C} is not divisible by H=${H}`);
  const hs = C / H;
  if (hs > MAX_HEAD_SIZE) throw new Error(`attention: head size ${hs} exceeds ${MAX_HEAD_SIZE}`);
  return hs;
}

function params(B: number, T: number, C: number, H: number) {
  const hs = headSize(C, H);
  return { B: u32(B), T: u32(T), C: u32(C), H: u32(H), hs: u32(hs), scale: f32(1 / Math.sqrt(hs)) };
}

/** The tiled entry, or the rows one (its vec8 or vec4 variant whenever every head slice starts on a multiple of 8 or 4 channels). */
function kernel(entry: string, C: number, H: number, strategy: AttentionStrategy): KernelRef {
  const hs = headSize(C, H);
  if (strategy === 'tiled') return { shader: 'attention-tiled', entry: `${entry}_tiled`, constants: { HS: hs } };
  const variant = hs % 8 === 0 ? '_vec8' : hs % 4 === 0 ? '_vec4' : '';
  return { shader: 'attention', entry: `${entry}${variant}`, constants: { HS: hs } };
}

/** Workgroups covering B·H·T rows: a flat grid for 'rows', [row blocks, B·H] for 'tiled'. */
function rowGroups(strategy: AttentionStrategy, B: number, T: number, H: number): number | [number, number] {
  if (strategy === 'tiled' && B * H > MAX_WORKGROUPS_PER_DIM) throw new Error(`attention (tiled): B·H = ${B * H} exceeds ${MAX_WORKGROUPS_PER_DIM} workgroups; use the 'rows' strategy`);
  return strategy === 'tiled' ? [Math.ceil(T / TILE_ROWS), B * H] : Math.ceil((B * H * T) / WG);
}

/** Causal attention: qkv [B·T, 3C] → out [B·T, C]; att [B,H,T,T] receives the probabilities for the backward pass. */
export function attentionForward(ctx: GpuContext, qkv: Tensor, out: Tensor, att: Tensor, B: number, T: number, C: number, H: number, strategy = defaultAttentionStrategy(ctx)): void {
  expectSize('attentionForward qkv', qkv, B * T * 3 * C);
  expectSize('attentionForward out', out, B * T * C);
  expectSize('attentionForward att', att, B * H * T * T);
  if (B * T === 0) return;
  ctx.dispatch(kernel('attention_forward', C, H, strategy), [qkv, out, att], params(B, T, C, H), rowGroups(strategy, B, T, H));
}

/**
 * dqkv [B·T, 3C] (every element written) from dout [B·T, C] and the forward
 * pass's qkv and att. `scratch` [B,H,T,T] holds the score gradients; without
 * it one is taken from the context's pool and returned.
 */
export function attentionBackward(
  ctx: GpuContext,
  dout: Tensor,
  qkv: Tensor,
  att: Tensor,
  dqkv: Tensor,
  B: number,
  T: number,
  C: number,
  H: number,
  scratch?: Tensor,
  strategy = defaultAttentionStrategy(ctx),
): void {
  expectSize('attentionBackward dout', dout, B * T * C);
  expectSize('attentionBackward qkv', qkv, B * T * 3 * C);
  expectSize('attentionBackward att', att, B * H * T * T);
  expectSize('attentionBackward dqkv', dqkv, B * T * 3 * C);
  if (scratch && scratch.size < B * H * T * T) throw new Error(`attentionBackward: scratch has ${scratch.size} elements, needs ${B * H * T * T}`);
  // Pooled buffers handed back here are reused only by commands recorded later, which the queue orders after these.
  if (B * T === 0) return;
  const dscore = scratch ?? ctx.tensor([B * H * T * T]);
  const p = params(B, T, C, H);
  const groups = rowGroups(strategy, B, T, H);
  // The tiled kernels take qkv first, at the binding all their entries share.
  const bindings = strategy === 'tiled' ? [qkv, dout, att, dscore, dqkv] : [dout, qkv, att, dscore, dqkv];
  ctx.dispatch(kernel('attention_backward_queries', C, H, strategy), bindings, p, groups);
  ctx.dispatch(kernel('attention_backward_keys', C, H, strategy), bindings, p, groups);
  if (!scratch) dscore.dispose();
}

/**
 * One KV-cache decode step: for each sequence b, k and v of qkv row b [3C] are
 * stored at position pos[b] (u32 [B]) of kCache, vCache [B, Tmax, C], and q
 * attends over positions 0..pos[b] → out [B, C]. pos[b] must be < Tmax.
 * `scratch` [B·H·Tmax] holds the scores; without it one is taken from the pool.
 */
export function attentionDecode(
  ctx: GpuContext,
  qkv: Tensor,
  kCache: Tensor,
  vCache: Tensor,
  pos: Tensor,
  out: Tensor,
  B: number,
  Tmax: number,
  C: number,
  H: number,
  scratch?: Tensor,
  strategy = defaultAttentionStrategy(ctx),
): void {
  if (pos.dtype !== 'u32') throw new Error(`attentionDecode: pos must be u32, got ${pos.dtype}`);
  expectSize('attentionDecode qkv', qkv, B * 3 * C);
  expectSize('attentionDecode kCache', kCache, B * Tmax * C);
  expectSize('attentionDecode vCache', vCache, B * Tmax * C);
  expectSize('attentionDecode pos', pos, B);
  expectSize('attentionDecode out', out, B * C);
  if (scratch && scratch.size < B * H * Tmax) throw new Error(`attentionDecode: scratch has ${scratch.size} elements, needs ${B * H * Tmax}`);
  if (B === 0) return;
  const scores = scratch ?? ctx.tensor([B * H * Tmax]);
  // 'tiled' runs a workgroup per (b, h); 'rows' an invocation per (b, h).
  const groups = strategy === 'tiled' ? B * H : Math.ceil((B * H) / DECODE_WG);
  ctx.dispatch(kernel('attention_decode', C, H, strategy), [qkv, kCache, vCache, pos, out, scores], params(B, Tmax, C, H), groups);
  if (!scratch) scores.dispose();
}

/**
 * Packed rows (src/rl/packing.ts) on the GPU: N rows, each attending its own
 * key list of at most Tk rows; `segments` (u32 [N·4]) holds each row's
 * (a0, alen, b0, qend). One kernel per row and head, on every adapter; needs
 * a head size divisible by 8 (`packedAttentionApplies`).
 */
export interface PackedRows {
  N: number;
  Tk: number;
  segments: Tensor<'u32'>;
}

export function packedAttentionApplies(C: number, H: number): boolean {
  return C % H === 0 && (C / H) % 8 === 0 && C / H <= MAX_HEAD_SIZE;
}

function packedKernel(entry: string, C: number, H: number): KernelRef {
  if (!packedAttentionApplies(C, H)) throw new Error(`packed attention needs a head size divisible by 8, got C=${C}, H=${H}`);
  return { shader: 'attention', entry: `${entry}_packed_vec8`, constants: { HS: C / H } };
}

function checkPacked(what: string, rows: PackedRows): void {
  if (rows.segments.dtype !== 'u32') throw new Error(`${what}: segments must be u32, got ${rows.segments.dtype}`);
  expectSize(`${what} segments`, rows.segments, rows.N * 4);
}

/** Attention over packed rows: qkv [N, 3C] → out [N, C]; att [H, N, Tk] receives the probabilities (entries past a row's list are left as they were). */
export function attentionForwardPacked(ctx: GpuContext, qkv: Tensor, out: Tensor, att: Tensor, rows: PackedRows, C: number, H: number): void {
  const { N, Tk } = rows;
  checkPacked('attentionForwardPacked', rows);
  expectSize('attentionForwardPacked qkv', qkv, N * 3 * C);
  expectSize('attentionForwardPacked out', out, N * C);
  expectSize('attentionForwardPacked att', att, H * N * Tk);
  if (N === 0) return;
  ctx.dispatch(packedKernel('attention_forward', C, H), [qkv, out, att, rows.segments], params(N, Tk, C, H), Math.ceil((N * H) / WG));
}

/** dqkv [N, 3C] (every element written) of the packed attention; `scratch` ≥ H·N·Tk holds the score gradients. */
export function attentionBackwardPacked(ctx: GpuContext, dout: Tensor, qkv: Tensor, att: Tensor, dqkv: Tensor, rows: PackedRows, C: number, H: number, scratch?: Tensor): void {
  const { N, Tk } = rows;
  checkPacked('attentionBackwardPacked', rows);
  expectSize('attentionBackwardPacked dout', dout, N * C);
  expectSize('attentionBackwardPacked qkv', qkv, N * 3 * C);
  expectSize('attentionBackwardPacked att', att, H * N * Tk);
  expectSize('attentionBackwardPacked dqkv', dqkv, N * 3 * C);
  if (scratch && scratch.size < H * N * Tk) throw new Error(`attentionBackwardPacked: scratch has ${scratch.size} elements, needs ${H * N * Tk}`);
  if (N === 0) return;
  const dscore = scratch ?? ctx.tensor([H * N * Tk]);
  const bindings = [dout, qkv, att, dscore, dqkv, rows.segments];
  const p = params(N, Tk, C, H);
  const groups = Math.ceil((N * H) / WG);
  ctx.dispatch(packedKernel('attention_backward_queries', C, H), bindings, p, groups);
  ctx.dispatch(packedKernel('attention_backward_keys', C, H), bindings, p, groups);
  if (!scratch) dscore.dispose();
}
