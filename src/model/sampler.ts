// Batched autoregressive sampling with a KV cache. R = P prompts × G
// completions decode together, one position per step for every row: a row
// feeds its own prompt tokens until they run out, then samples, until EOS or
// its completion budget. Each step's random numbers come from a stream keyed
// by (training step, position), and each row draws the counter r, so the same
// seed on the same device gives the same tokens.
//
// Outputs use the forward pass's alignment: position t scores token t+1, so
// logp and mask line up with GptModel.forward's logp for the same tokens.
//
// PAD and BOS are never sampled: the output projection here carries a bias
// that pushes their logits far below the rest (the training forward pass has
// no such bias and keeps the full softmax). So a completion is always made of
// task characters and EOS, and logp is the log-probability under the sampling
// distribution, i.e. the softmax renormalised over the other tokens.

import type { GpuContext } from '../gpu/context';
import { attentionDecode } from '../gpu/kernels/attention';
import { add, gelu } from '../gpu/kernels/elementwise';
import { embeddingForward } from '../gpu/kernels/embedding';
import { layernormForward } from '../gpu/kernels/layernorm';
import { matmul } from '../gpu/kernels/matmul';
import { sample } from '../gpu/kernels/sample';
import type { Tensor } from '../gpu/tensor';
import { BOS, EOS, PAD } from '../tasks/tokenizer';
import { hash3 } from '../util/rng';
import type { GptModel } from './gpt';
import { layerPrefix, outputWeightName } from './params';

export interface SampleRequest {
  /** P prompts as token ids, each starting with BOS. */
  prompts: readonly (readonly number[])[];
  /** G completions per prompt; rows are ordered prompt-major (r = p·G + g). */
  groupSize: number;
  /** Completion budget per row, EOS included. */
  maxNewTokens: number;
  temperature: number;
  /** Keep only the k most likely tokens; 0 keeps all. */
  topK?: number;
  seed: number;
  /** Training step (or any counter) so successive batches draw fresh numbers. */
  step?: number;
}

export interface SampleResult {
  /** R = P·G rows. */
  R: number;
  /** Columns of every [R, T] array. */
  T: number;
  /** [R, T]: BOS, prompt, completion, EOS (when reached), then PAD. */
  tokens: Uint32Array;
  /** [R, T]: log-probability, under the sampling distribution, of tokens[r, t+1]; 0 where mask is 0. */
  logp: Float32Array;
  /** [R, T]: 1 where tokens[r, t+1] is a completion token (EOS included). */
  mask: Float32Array;
  promptLengths: Uint32Array;
  /** Completion tokens per row, EOS included. */
  completionLengths: Uint32Array;
  /** 1 where the row ended with EOS, 0 where its budget or the context ran out. */
  endedWithEos: Uint8Array;
}

/** Added to the logits of tokens the sampler must never emit: finite (WGSL may assume no infinities), yet far below any real logit, so their sampling weight is exactly 0 at every temperature. */
const NEVER = -1e30;

/** The sampler's output bias: NEVER at PAD and BOS, 0 elsewhere. */
export function specialsLogitBias(vocabSize: number): Float32Array {
  const bias = new Float32Array(vocabSize);
  bias[PAD] = NEVER;
  bias[BOS] = NEVER;
  return bias;
}

interface LayerCache {
  k: Tensor;
  v: Tensor;
}

export class Sampler {
  private readonly ctx: GpuContext;
  private readonly owned: Tensor[] = [];
  private readonly caches: LayerCache[] = [];
  private readonly cacheTime: number;
  private readonly buf: Record<'x' | 'x2' | 'ln' | 'qkv' | 'atty' | 'proj' | 'fch' | 'fchGelu' | 'mean' | 'rstd' | 'logits' | 'logp' | 'posEmb' | 'tokEmb' | 'zeroRow' | 'sampled' | 'current' | 'positions' | 'scores' | 'specialsBias', Tensor>;

  constructor(
    readonly model: GptModel,
    readonly maxRows: number,
  ) {
    this.ctx = model.ctx;
    const { vocabSize: V, dModel: C, nLayers: L, contextLength } = model.config;
    const R = maxRows;
    this.cacheTime = contextLength;
    for (let l = 0; l < L; l++) this.caches.push({ k: this.own([R * contextLength * C]), v: this.own([R * contextLength * C]) });
    this.buf = {
      x: this.own([R, C]),
      x2: this.own([R, C]),
      ln: this.own([R, C]),
      qkv: this.own([R, 3 * C]),
      atty: this.own([R, C]),
      proj: this.own([R, C]),
      fch: this.own([R, 4 * C]),
      fchGelu: this.own([R, 4 * C]),
      mean: this.own([R]),
      rstd: this.own([R]),
      logits: this.own([R, V]),
      logp: this.own([R]),
      posEmb: this.own([R, C]),
      tokEmb: this.own([R, C]),
      zeroRow: this.own([1, C], new Float32Array(C)),
      sampled: this.own([R], undefined, 'u32'),
      current: this.own([R], undefined, 'u32'),
      positions: this.own([R], undefined, 'u32'),
      scores: this.own([R * model.config.nHeads * contextLength]),
      specialsBias: this.own([V], specialsLogitBias(V)),
    };
  }

  private own(shape: number[], data?: ArrayLike<number>, dtype: 'f32' | 'u32' = 'f32'): Tensor {
    const t = this.ctx.tensor(shape, dtype, data);
    this.owned.push(t);
    return t;
  }

  async sample(req: SampleRequest): Promise<SampleResult> {
    const { prompts, groupSize: G, maxNewTokens } = req;
    const R = prompts.length * G;
    const contextLength = this.model.config.contextLength;
    if (R < 1 || R > this.maxRows) throw new Error(`Sampler: ${prompts.length} prompts × ${G} completions = ${R} rows, but this sampler holds 1..${this.maxRows}`);
    if (!(maxNewTokens >= 1)) throw new Error(`Sampler: maxNewTokens must be ≥ 1, got ${maxNewTokens}`);
    const promptLengths = new Uint32Array(R);
    prompts.forEach((p, i) => {
      if (p.length < 1 || p[0] !== BOS) throw new Error(`Sampler: prompt ${i} must start with BOS`);
      if (p.length >= contextLength) throw new Error(`Sampler: prompt ${i} has ${p.length} tokens, leaving no room in the context of ${contextLength}`);
      promptLengths.fill(p.length, i * G, (i + 1) * G);
    });
    const T = Math.min(contextLength, Math.max(...promptLengths) + maxNewTokens);
    const minPrompt = Math.min(...promptLengths);

    const tokens = new Uint32Array(R * T).fill(PAD);
    const logp = new Float32Array(R * T);
    const mask = new Float32Array(R * T);
    const completionLengths = new Uint32Array(R);
    const endedWithEos = new Uint8Array(R);
    const done = new Uint8Array(R);
    for (let r = 0; r < R; r++) tokens[r * T] = BOS;
    const current = new Uint32Array(R);
    const positions = new Uint32Array(R);

    for (let s = 0; s + 1 < T; s++) {
      for (let r = 0; r < R; r++) current[r] = tokens[r * T + s];
      positions.fill(s);
      // While every row is still inside its prompt the next token is known: fill the cache and skip the readback.
      const needSample = s + 1 >= minPrompt;
      this.decodeStep(R, current, positions, needSample ? req : null, s);
      let sampled: Uint32Array | null = null;
      let sampledLogp: Float32Array | null = null;
      if (needSample) {
        const [tok, lp] = await this.ctx.readMany([this.buf.sampled.view([R]), this.buf.logp.view([R])]);
        sampled = tok as Uint32Array;
        sampledLogp = lp as Float32Array;
      }
      let active = 0;
      for (let r = 0; r < R; r++) {
        const next = r * T + s + 1;
        const p = prompts[Math.floor(r / G)];
        if (s + 1 < p.length) {
          tokens[next] = p[s + 1];
          active++;
          continue;
        }
        if (done[r]) continue;
        const tok = sampled![r];
        tokens[next] = tok;
        logp[r * T + s] = sampledLogp![r];
        mask[r * T + s] = 1;
        completionLengths[r]++;
        if (tok === EOS) endedWithEos[r] = 1;
        if (tok === EOS || completionLengths[r] >= maxNewTokens || s + 2 >= T) done[r] = 1;
        else active++;
      }
      if (active === 0) break;
    }
    return { R, T, tokens, logp, mask, promptLengths, completionLengths, endedWithEos };
  }

  /** Records one position for every row: the cache takes its keys and values, and (when asked) the next token is sampled. */
  private decodeStep(R: number, current: Uint32Array, positions: Uint32Array, sampling: SampleRequest | null, s: number): void {
    const ctx = this.ctx;
    const model = this.model;
    const { vocabSize: V, dModel: C, nHeads: H, nLayers: L } = model.config;
    const b = this.buf;
    const rows = (t: Tensor, width: number) => t.view([R, width]);
    const p = (name: string) => model.paramViews.get(name)!;
    const cur = b.current.view([R]), pos = b.positions.view([R]);
    ctx.write(cur, current);
    ctx.write(pos, positions);
    const x = rows(b.x, C), x2 = rows(b.x2, C), ln = rows(b.ln, C), qkv = rows(b.qkv, 3 * C), atty = rows(b.atty, C), proj = rows(b.proj, C);
    const fch = rows(b.fch, 4 * C), fchGelu = rows(b.fchGelu, 4 * C), mean = b.mean.view([R]), rstd = b.rstd.view([R]);
    // Rows may sit at different positions, so positions are looked up like tokens: wpe[pos[r]] + 0, then added.
    embeddingForward(ctx, pos, p('transformer.wpe.weight'), b.zeroRow, rows(b.posEmb, C), R, 1, C);
    embeddingForward(ctx, cur, p('transformer.wte.weight'), b.zeroRow, rows(b.tokEmb, C), R, 1, C);
    add(ctx, rows(b.tokEmb, C), rows(b.posEmb, C), x);
    for (let l = 0; l < L; l++) {
      const pre = layerPrefix(l);
      const cache = this.caches[l];
      const kCache = cache.k.view([R, this.cacheTime, C]), vCache = cache.v.view([R, this.cacheTime, C]);
      layernormForward(ctx, x, p(`${pre}.ln_1.weight`), p(`${pre}.ln_1.bias`), ln, mean, rstd, R, C);
      matmul(ctx, ln, p(`${pre}.attn.c_attn.weight`), qkv, { M: R, K: C, N: 3 * C, layout: 'nt', bias: p(`${pre}.attn.c_attn.bias`) });
      attentionDecode(ctx, qkv, kCache, vCache, pos, atty, R, this.cacheTime, C, H, b.scores);
      matmul(ctx, atty, p(`${pre}.attn.c_proj.weight`), proj, { M: R, K: C, N: C, layout: 'nt', bias: p(`${pre}.attn.c_proj.bias`) });
      add(ctx, x, proj, x2);
      layernormForward(ctx, x2, p(`${pre}.ln_2.weight`), p(`${pre}.ln_2.bias`), ln, mean, rstd, R, C);
      matmul(ctx, ln, p(`${pre}.mlp.c_fc.weight`), fch, { M: R, K: C, N: 4 * C, layout: 'nt', bias: p(`${pre}.mlp.c_fc.bias`) });
      gelu(ctx, fch, fchGelu);
      matmul(ctx, fchGelu, p(`${pre}.mlp.c_proj.weight`), proj, { M: R, K: 4 * C, N: C, layout: 'nt', bias: p(`${pre}.mlp.c_proj.bias`) });
      add(ctx, x2, proj, x);
    }
    if (!sampling) return;
    const logits = rows(b.logits, V);
    layernormForward(ctx, x, p('transformer.ln_f.weight'), p('transformer.ln_f.bias'), ln, mean, rstd, R, C);
    matmul(ctx, ln, p(outputWeightName(model.config)), logits, { M: R, K: C, N: V, layout: 'nt', bias: b.specialsBias });
    sample(ctx, logits, b.sampled.view([R]), b.logp.view([R]), R, V, {
      temperature: sampling.temperature,
      topK: sampling.topK ?? 0,
      seed: sampling.seed >>> 0,
      stream: samplingStream(sampling.step ?? 0, s),
    });
  }

  dispose(): void {
    for (const t of this.owned.reverse()) t.dispose();
    this.owned.length = 0;
  }
}

/** The RNG stream for the tokens drawn at position s + 1 during training step `step`. */
export function samplingStream(step: number, position: number): number {
  return hash3(step >>> 0, position >>> 0, 0x73616d70);
}
