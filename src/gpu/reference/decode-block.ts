// The plain reference of decodeBlock (src/gpu/kernels/decode-block.ts): one
// block's decode step composed from the references of its kernels.

import { attentionDecodeRef } from './attention';
import { layernormForwardRef } from './layernorm';
import { matmulRef } from './matmul';
import { matmulBiasGeluRef, matmulBiasResidualNormRef } from './matmul-fused';

type Pair = { w: ArrayLike<number>; b: ArrayLike<number> };

/** The block's parameters as decodeBlock reads them (ln1 only when the block starts with ln_1). */
export interface DecodeBlockRefParams {
  ln1: Pair;
  attn: Pair;
  proj: Pair;
  ln2: Pair;
  fc: Pair;
  fc2: Pair;
  next: Pair;
}

/**
 * From the block's input x [R, C] (and ln1 = ln_1(x) unless `normFirst`):
 * the block's output x, the following layer norm of it (next) and the caches
 * with each row's new k and v at pos[r].
 */
export function decodeBlockRef(
  x: ArrayLike<number>,
  ln1In: ArrayLike<number> | null,
  prm: DecodeBlockRefParams,
  cache: { k: ArrayLike<number>; v: ArrayLike<number>; pos: ArrayLike<number>; Tmax: number },
  R: number,
  C: number,
  H: number,
): { x: Float32Array; next: Float32Array; kCache: Float32Array; vCache: Float32Array } {
  const ln1 = ln1In ?? layernormForwardRef(x, prm.ln1.w, prm.ln1.b, R, C).out;
  const qkv = matmulRef(ln1, prm.attn.w, R, C, 3 * C, 'nt', prm.attn.b);
  const att = attentionDecodeRef(qkv, cache.k, cache.v, cache.pos, R, cache.Tmax, C, H);
  const mid = matmulBiasResidualNormRef(att.out, prm.proj.w, prm.proj.b, x, prm.ln2.w, prm.ln2.b, R, C, C);
  const hidden = matmulBiasGeluRef(mid.ln, prm.fc.w, prm.fc.b, R, C, 4 * C).y;
  const out = matmulBiasResidualNormRef(hidden, prm.fc2.w, prm.fc2.b, mid.y, prm.next.w, prm.next.b, R, 4 * C, C);
  return { x: out.y, next: out.ln, kCache: att.kCache, vCache: att.vCache };
}
