// The sampler's per-position bookkeeping (shaders/decode.wgsl): the embedding
// of each row's current token, the step that appends the next token to the
// [R, T] arrays, and copying a prefill's keys and values into the KV caches.
// References: src/gpu/reference/decode.ts.

import { type GpuContext, type Params, f32, u32 } from '../context';
import type { Tensor } from '../tensor';
import { drawUniforms } from './sample';

const WG = 64;

/** Where the sampler's rows stand: their [R, T] arrays and a per-row state [R, 4] = (prompt length, completion length, ended with EOS, done). */
export interface DecodeRows {
  tokens: Tensor;
  targets: Tensor;
  mask: Tensor;
  logp: Tensor;
  state: Tensor;
}

export interface DecodeShape {
  R: number;
  T: number;
}

interface Fields {
  R: number;
  T: number;
  C?: number;
  maxNew?: number;
  pad?: number;
  eos?: number;
  prefix?: number;
  cacheLen?: number;
  share?: number;
  /** sample_advance's draw (drawUniforms); the other entry points leave its fields 0. */
  draw?: Params;
}

const NO_DRAW: Params = { vocab: u32(0), top_k: u32(0), seed: u32(0), neg_log2_scale: f32(0) };

function params(f: Fields): Params {
  return {
    rows: u32(f.R), cols: u32(f.T), C: u32(f.C ?? 0), max_new: u32(f.maxNew ?? 0), pad: u32(f.pad ?? 0), eos: u32(f.eos ?? 0), prefix: u32(f.prefix ?? 0), cache_len: u32(f.cacheLen ?? 0), share: u32(f.share ?? 1),
    ...(f.draw ?? NO_DRAW),
  };
}

function need(what: string, t: Tensor, size: number, dtype: 'f32' | 'u32'): void {
  if (t.size < size || t.dtype !== dtype) throw new Error(`${what}: must be ${dtype} with ≥ ${size} elements, has ${t.size} ${t.dtype}`);
}

function checkRows(fn: string, rows: DecodeRows, { R, T }: DecodeShape, positions: Tensor): void {
  need(`${fn} tokens`, rows.tokens, R * T, 'u32');
  need(`${fn} targets`, rows.targets, R * T, 'u32');
  need(`${fn} mask`, rows.mask, R * T, 'f32');
  need(`${fn} logp`, rows.logp, R * T, 'f32');
  need(`${fn} state`, rows.state, R * 4, 'u32');
  need(`${fn} positions`, positions, R, 'u32');
}

/** out [R, C] = wte[tokens[r, s]] + wpe[s] with s = positions[r] (u32 [R], each < T). */
export function decodeEmbed(ctx: GpuContext, tokens: Tensor, wte: Tensor, wpe: Tensor, out: Tensor, positions: Tensor, shape: DecodeShape, C: number): void {
  const { R, T } = shape;
  need('decodeEmbed tokens', tokens, R * T, 'u32');
  need('decodeEmbed out', out, R * C, 'f32');
  need('decodeEmbed positions', positions, R, 'u32');
  if (wpe.size < T * C) throw new Error(`decodeEmbed: wpe has ${wpe.size / C} positions, fewer than T=${T}`);
  ctx.dispatch({ shader: 'decode', entry: 'decode_embed' }, [tokens, wte, wpe, out, positions], params({ R, T, C }), Math.ceil((R * C) / WG));
}

/**
 * After sampling at s = positions[r] (u32 [R]): each row's token at s + 1 (its
 * prompt's, PAD once done, else `sampled`), targets[r, s] = that token; a
 * sampled token also sets mask and logp at s and updates the row's state. A
 * row at the last column (s = T − 1) is left as it is.
 */
export function advanceRows(ctx: GpuContext, sampled: Tensor, sampledLogp: Tensor, rows: DecodeRows, shape: DecodeShape, positions: Tensor, tokensIds: { maxNew: number; pad: number; eos: number }): void {
  const { R, T } = shape;
  need('advanceRows sampled', sampled, R, 'u32');
  need('advanceRows sampledLogp', sampledLogp, R, 'f32');
  checkRows('advanceRows', rows, shape, positions);
  const p = params({ R, T, maxNew: tokensIds.maxNew, pad: tokensIds.pad, eos: tokensIds.eos });
  ctx.dispatch({ shader: 'decode', entry: 'advance' }, [sampled, sampledLogp, rows.tokens, rows.targets, rows.mask, rows.logp, rows.state, positions], p, Math.ceil(R / WG));
}

/**
 * sample (src/gpu/kernels/sample.ts) of logits [R, V] with the rows' RNG
 * streams (u32 [R]), then advanceRows with the drawn tokens, in one dispatch:
 * the same tokens and arrays.
 */
export function sampleAdvance(ctx: GpuContext, logits: Tensor, streams: Tensor, rows: DecodeRows, shape: DecodeShape, positions: Tensor, tokensIds: { maxNew: number; pad: number; eos: number }, draw: { V: number; topK: number; seed: number; temperature: number }): void {
  const { R, T } = shape;
  need('sampleAdvance logits', logits, R * draw.V, 'f32');
  need('sampleAdvance streams', streams, R, 'u32');
  checkRows('sampleAdvance', rows, shape, positions);
  const p = params({ R, T, maxNew: tokensIds.maxNew, pad: tokensIds.pad, eos: tokensIds.eos, draw: drawUniforms('sampleAdvance', draw.V, draw) });
  ctx.dispatch({ shader: 'decode', entry: 'sample_advance' }, [logits, streams, rows.tokens, rows.targets, rows.mask, rows.logp, rows.state, positions], p, Math.ceil(R / WG));
}

/**
 * kCache, vCache [R, cacheLen, C] at positions 0..prefix−1 ← the k and v
 * thirds of qkv [(R / share)·prefix, 3C]: each qkv sequence fills `share`
 * consecutive cache rows (the completions of one prompt).
 */
export function fillCache(ctx: GpuContext, qkv: Tensor, kCache: Tensor, vCache: Tensor, R: number, prefix: number, cacheLen: number, C: number, share = 1): void {
  if (prefix > cacheLen) throw new Error(`fillCache: ${prefix} positions do not fit a cache of ${cacheLen}`);
  if (!(Number.isInteger(share) && share >= 1 && R % share === 0)) throw new Error(`fillCache: ${R} rows cannot share qkv sequences ${share} at a time`);
  need('fillCache qkv', qkv, (R / share) * prefix * 3 * C, 'f32');
  need('fillCache kCache', kCache, R * cacheLen * C, 'f32');
  need('fillCache vCache', vCache, R * cacheLen * C, 'f32');
  if (R * prefix === 0) return;
  const p = params({ R, T: 0, C, prefix, cacheLen, share });
  // Where C allows, four channels of one qkv element per invocation, written to all its `share` rows:
  // 1/(4·share) of the invocations (on SwiftShader 3.5× faster for the sampler's 64×15×32, share 8).
  if (C % 4 === 0) ctx.dispatch({ shader: 'decode', entry: 'fill_cache_vec4' }, [qkv, kCache, vCache], p, Math.ceil(((R / share) * prefix * C) / 4 / WG));
  else ctx.dispatch({ shader: 'decode', entry: 'fill_cache' }, [qkv, kCache, vCache], p, Math.ceil((R * prefix * C) / WG));
}
