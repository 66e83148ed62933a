// Seeded categorical sampling on the GPU, one invocation per row; picks the
// same tokens as sampleRef for the same (seed, stream).

import { type GpuContext, type Params, f32, u32 } from '../context';
import type { Tensor } from '../tensor';
import { type SampleOptions, negLog2Scale } from '../reference/sample';

export type { SampleOptions } from '../reference/sample';

const WG = 64;

/**
 * tokens[r] ~ softmax(logits[r]/τ) over the top k (0 = all); logp[r] = the
 * chosen token's log-probability. Row r draws uniform01(hash3(seed,
 * streams[r], r)) (u32 [R]: each row's stream, as sampleRef's `stream`).
 */
export function sample(ctx: GpuContext, logits: Tensor, tokens: Tensor, logp: Tensor, streams: Tensor, R: number, V: number, opts: Omit<SampleOptions, 'stream'>): void {
  if (logits.size < R * V) throw new Error(`sample: logits has ${logits.size} elements, need ${R}×${V}`);
  if (tokens.size < R || tokens.dtype !== 'u32' || logp.size < R) throw new Error(`sample: tokens must be u32 [${R}] and logp [${R}]`);
  if (streams.size < R || streams.dtype !== 'u32') throw new Error(`sample: streams must be u32 [${R}]`);
  const draw = drawUniforms('sample', V, opts);
  if (R === 0) return;
  ctx.dispatch({ shader: 'sample', entry: 'sample' }, [logits, tokens, logp, streams], { rows: u32(R), ...draw }, Math.ceil(R / WG));
}

/**
 * The uniforms of a draw (shaders/sample-core.wgsl's `draw`): vocab, top_k,
 * seed and neg_log2_scale, checked; `sample` and the sampler's sampleAdvance
 * (src/gpu/kernels/decode.ts) pass them.
 */
export function drawUniforms(fn: string, V: number, opts: Omit<SampleOptions, 'stream'>): Params {
  if (!(opts.temperature > 0)) throw new Error(`${fn}: temperature must be > 0, got ${opts.temperature}`);
  if (!(opts.topK >= 0) || !Number.isInteger(opts.topK)) throw new Error(`${fn}: topK must be a non-negative integer, got ${opts.topK}`);
  if (V < 1) throw new Error(`${fn}: empty vocabulary`);
  return { vocab: u32(V), top_k: u32(opts.topK), seed: u32(opts.seed >>> 0), neg_log2_scale: f32(negLog2Scale(opts.temperature)) };
}
