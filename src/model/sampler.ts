// Batched autoregressive sampling with a KV cache. R = P prompts × G
// completions decode together. Every prompt's positions but its last
// (0 .. m−2, m the longest prompt, a shorter prompt padded after its end) are
// prefilled in one causal forward, once per prompt: its G completions share
// those positions, and the forward fills the caches of all G rows. Then each
// decode step takes every row one position further from its own prompt's
// last token, so row r stands at position (its prompt length − 1) + k at step
// k and samples its next token, until EOS or its completion budget; a shorter
// prompt's padded positions are decoded over before anything attends them.
// The whole batch is recorded without a readback: the schedule of positions
// is uploaded with the prompts, tokens, mask, log-probs, lengths and done
// flags live in GPU buffers (shaders/decode.wgsl), and everything comes back
// in one readMany at the end. A token's random number comes from a stream
// keyed by (training step, its row's position), and each row draws the
// counter r, so the same seed on the same device gives the same tokens.
//
// Outputs use the forward pass's alignment: position t scores token t+1, so
// logp and mask line up with GptModel.forward's logp for the same tokens.
//
// The policy π (here and in GptModel.forward) is the softmax at the sampling
// temperature over the sampleable tokens: the output head adds the model's
// policyLogitBias, which takes PAD, BOS and any excluded token out
// (probability exactly 0). So a completion is made of task characters and EOS. The prefill and the decode
// steps run the training forward's own block routine (block.ts) with the same
// kernels in the same summation order, so SampleResult.gpu holds π_old's
// statistics exactly as GptModel.forward would compute them on these tokens.

import type { GpuContext } from '../gpu/context';
import { attentionDecode, attentionForward } from '../gpu/kernels/attention';
import { decodeEmbed, fillCache, sampleAdvance } from '../gpu/kernels/decode';
import { type DecodeBlockCache, decodeBlock, decodeBlockApplies, decodeBlockFits } from '../gpu/kernels/decode-block';
import { embeddingForward, embeddingNorm } from '../gpu/kernels/embedding';
import { logitStats } from '../gpu/kernels/logits';
import { type Tensor, alignedElements } from '../gpu/tensor';
import { BOS, EOS, PAD } from '../tasks/tokenizer';
import { hash3 } from '../util/rng';
import { type BlockBuffers, type Embed, type HeadBuffers, type NormMode, type ParamLookup, defaultNormMode, forwardLayers, normStats, normStatsSize, outputHead } from './block';
import type { GptModel } from './gpt';
import { layerPrefix } from './params';

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
  /**
   * The batch and π_old's statistics on the GPU, owned by the sampler (valid
   * until its next sample call). Absent for samples made elsewhere (tests'
   * scripted samplers): the trainer then runs π_old's forward pass itself.
   */
  gpu?: SampledOnGpu;
}

interface LayerCache {
  k: Tensor;
  v: Tensor;
}

/** π_old's per-position statistics and the batch, left on the GPU by the sampler: [R, T] views, valid until its next sample call. */
export interface SampledOnGpu {
  /** u32 [R, T]: as SampleResult.tokens. */
  tokens: Tensor;
  /** u32 [R, T]: tokens[r, t+1], PAD in the last column (GptModel.forward's default targets). */
  targets: Tensor;
  /** [R, T]: as SampleResult.mask. */
  mask: Tensor;
  /** [R, T]: log π(targets[r, t]) at the sampling temperature, over the sampleable tokens (no top-k); 0 where no position was decoded (the last column, or past the end). */
  logp: Tensor;
  /** [R, T]: entropy of π at the sampling temperature. */
  entropy: Tensor;
  /** [R, T]: mean of log π(a) over the V − 2 sampleable tokens a. */
  vmean: Tensor;
}

type BlockKey = Exclude<keyof BlockBuffers, 'output' | 'fch'>;

/** Each block buffer's row width in multiples of C; 0 for one value per row. The block writes its output over its input. */
const ROW_WIDTH: Record<BlockKey, number> = { input: 1, ln1: 1, ln1Mean: 0, ln1Rstd: 0, qkv: 3, atty: 1, residual2: 1, ln2: 1, ln2Mean: 0, ln2Rstd: 0, fchGelu: 4 };

/**
 * Scratch activations for up to `rows` rows (no backward, so one set serves
 * every layer); the decode steps use the first R. With `arena`, all are views
 * of one buffer, which decodeBlock addresses by offsets (and which no other
 * kernel may both read and write: WebGPU refuses a buffer bound writable
 * beside another binding of it).
 */
class Activations {
  private readonly flat: Record<BlockKey, Tensor>;
  private readonly logits: Tensor;
  readonly arena: Tensor | null;
  constructor(
    readonly rows: number,
    private readonly C: number,
    private readonly V: number,
    own: (shape: number[]) => Tensor,
    arena = false,
  ) {
    const widths = Object.entries(ROW_WIDTH).filter(([, w]) => w > 0);
    const statsSize = alignedElements(normStatsSize(rows));
    this.arena = arena ? own([widths.reduce((n, [, w]) => n + alignedElements(rows * w * C), 0) + 2 * statsSize]) : null;
    let at = 0;
    const carve = (shape: number[]) => {
      if (!this.arena) return own(shape);
      const t = this.arena.view(shape, at);
      at += alignedElements(t.size);
      return t;
    };
    const flat: Partial<Record<BlockKey, Tensor>> = {};
    for (const [k, w] of widths) flat[k as BlockKey] = carve([rows * w * C]);
    [flat.ln1Mean, flat.ln1Rstd] = normStats(carve, rows);
    [flat.ln2Mean, flat.ln2Rstd] = normStats(carve, rows);
    this.flat = flat as Record<BlockKey, Tensor>;
    this.logits = own([rows * V]);
  }

  /** The first N rows of every buffer; the output head reuses ln_1's buffers, free once the blocks are done. */
  views(N: number): { block: BlockBuffers; head: HeadBuffers } {
    const v = (k: BlockKey) => (ROW_WIDTH[k] === 0 ? this.flat[k].view([N]) : this.flat[k].view([N, ROW_WIDTH[k] * this.C]));
    const block = Object.fromEntries(Object.keys(ROW_WIDTH).map((k) => [k, v(k as BlockKey)])) as Record<BlockKey, Tensor>;
    return {
      block: { ...block, output: block.input },
      head: { lnf: block.ln1, lnfMean: block.ln1Mean, lnfRstd: block.ln1Rstd, logits: this.logits.view([N, this.V]) },
    };
  }
}

/**
 * Decode steps for a batch: each row starts at its prompt's last position
 * and needs its completion budget, and the shortest prompt's rows go on over
 * the positions the longest prompt prefilled; past T − 2 there is no next
 * token (the context's end).
 */
export function decodeSteps(promptLengths: ArrayLike<number>, T: number, maxNewTokens: number): number {
  let min = Infinity, max = 0;
  for (let i = 0; i < promptLengths.length; i++) {
    min = Math.min(min, promptLengths[i]);
    max = Math.max(max, promptLengths[i]);
  }
  return Math.min(Math.max(maxNewTokens, max - min), T - min);
}

export class Sampler {
  private readonly ctx: GpuContext;
  private readonly owned: Tensor[] = [];
  private readonly caches: LayerCache[] = [];
  private readonly cacheTime: number;
  /** Activations for the prefill (one sequence per prompt), grown on demand; the decode steps use their first R rows. */
  private acts: Activations | null = null;
  private actsOwned: Tensor[] = [];
  private attScratch: Tensor | null = null;
  /** The decode steps' activations in one buffer, for decodeBlock (fusedBlocks only). */
  private readonly decodeActs: Activations | null;
  private readonly buf: Record<'positions' | 'streams' | 'scores' | 'prefillTokens' | 'state' | 'tokens' | 'targets' | 'mask' | 'logp' | 'piLogp' | 'entropy' | 'vmean', Tensor>;
  /** Elements between steps in the positions and streams tables: R rounded up to a binding's alignment. */
  private readonly stride: number;

  /** How the prefill and the decode steps record their layer norms (block.ts); the same bits either way. */
  readonly norms: NormMode;
  /**
   * Whether a decode step runs each block as one dispatch (decodeBlock) where
   * the shapes allow: the default on a CPU adapter, where it saves four
   * dispatches per block and position for the same bits; a GPU keeps a
   * dispatch per kernel, which spreads each product over many workgroups.
   */
  readonly fusedBlocks: boolean;

  constructor(
    readonly model: GptModel,
    readonly maxRows: number,
    options: { norms?: NormMode; fusedBlocks?: boolean } = {},
  ) {
    this.ctx = model.ctx;
    this.norms = options.norms ?? defaultNormMode(this.ctx);
    this.fusedBlocks = options.fusedBlocks ?? this.ctx.adapter.isSoftware;
    const { dModel: C, nLayers: L, nHeads: H, contextLength, vocabSize: V } = model.config;
    const R = maxRows;
    this.decodeActs = this.fusedBlocks && decodeBlockFits(C, H) ? new Activations(R, C, V, (shape) => this.own(shape), true) : null;
    this.cacheTime = contextLength;
    for (let l = 0; l < L; l++) this.caches.push({ k: this.own([R * contextLength * C]), v: this.own([R * contextLength * C]) });
    const RT = R * contextLength;
    this.stride = alignedElements(R);
    this.buf = {
      // [step, row]: each row's position at each decode step, and the RNG stream of its draw there.
      positions: this.own([this.stride * contextLength], 'u32'),
      streams: this.own([this.stride * contextLength], 'u32'),
      scores: this.own([R * H * contextLength]),
      prefillTokens: this.own([RT], 'u32'),
      state: this.own([R * 4], 'u32'),
      tokens: this.own([RT], 'u32'),
      targets: this.own([RT], 'u32'),
      mask: this.own([RT]),
      logp: this.own([RT]),
      piLogp: this.own([RT]),
      entropy: this.own([RT]),
      vmean: this.own([RT]),
    };
  }

  private own(shape: number[], dtype: 'f32' | 'u32' = 'f32'): Tensor {
    const t = this.ctx.tensor(shape, dtype);
    this.owned.push(t);
    return t;
  }

  /** Activations for at least `rows` rows and attention scratch for [R, H, Tp, Tp]; reused while large enough. */
  private activations(rows: number, attSize: number): Activations {
    const { dModel: C, vocabSize: V } = this.model.config;
    if (!this.acts || this.acts.rows < rows) {
      for (const t of this.actsOwned) t.dispose();
      this.actsOwned = [];
      const own = (shape: number[]) => {
        const t = this.ctx.tensor(shape);
        this.actsOwned.push(t);
        return t;
      };
      this.acts = new Activations(rows, C, V, own);
    }
    if (!this.attScratch || this.attScratch.size < attSize) {
      this.attScratch?.dispose();
      this.attScratch = this.ctx.tensor([Math.max(1, attSize)]);
    }
    return this.acts;
  }

  async sample(req: SampleRequest): Promise<SampleResult & { gpu: SampledOnGpu }> {
    const { prompts, groupSize: G, maxNewTokens } = req;
    const R = prompts.length * G;
    const { contextLength, vocabSize: V, nHeads: H } = this.model.config;
    if (R < 1 || R > this.maxRows) throw new Error(`Sampler: ${prompts.length} prompts × ${G} completions = ${R} rows, but this sampler holds 1..${this.maxRows}`);
    if (!(maxNewTokens >= 1)) throw new Error(`Sampler: maxNewTokens must be ≥ 1, got ${maxNewTokens}`);
    if (!(req.temperature > 0)) throw new Error(`Sampler: temperature must be > 0, got ${req.temperature}`);
    const promptLengths = new Uint32Array(R);
    prompts.forEach((p, i) => {
      if (p.length < 1 || p[0] !== BOS) throw new Error(`Sampler: prompt ${i} must start with BOS`);
      if (p.length >= contextLength) throw new Error(`Sampler: prompt ${i} has ${p.length} tokens, leaving no room in the context of ${contextLength}`);
      for (let j = 0; j < p.length; j++) if (!(Number.isInteger(p[j]) && p[j] >= 0 && p[j] < V)) throw new Error(`Sampler: prompt ${i} token ${j} is ${p[j]}, not a token id below ${V}`);
      promptLengths.fill(p.length, i * G, (i + 1) * G);
    });
    const T = Math.min(contextLength, Math.max(...promptLengths) + maxNewTokens);
    // Positions 0 .. prefix−1 of every prompt (all but the longest prompt's last token; shorter ones padded) in one batched forward.
    const prefix = Math.max(...promptLengths) - 1;
    const steps = decodeSteps(promptLengths, T, maxNewTokens);
    const shape = { R, T };
    const acts = this.activations(R * Math.max(1, prefix), R * H * prefix * prefix);
    this.upload(prompts, G, { R, T, prefix, steps }, promptLengths, req.step ?? 0);
    if (prefix > 0) this.prefill(R, G, T, prefix, acts, req.temperature);
    const fused = this.decodeActs && decodeBlockApplies(R, this.model.config.dModel, H) ? this.decodeActs : null;
    const dec = (fused ?? acts).views(R);
    for (let k = 0; k < steps; k++) this.decodeStep(shape, k, dec.block, dec.head, fused?.arena ?? null, req);

    const gpu = this.gpuViews(R, T);
    const [tokens, mask, logp, state] = (await this.ctx.readMany([gpu.tokens, gpu.mask, this.buf.logp.view([R * T]), this.buf.state.view([R * 4])])) as [Uint32Array, Float32Array, Float32Array, Uint32Array];
    const completionLengths = new Uint32Array(R);
    const endedWithEos = new Uint8Array(R);
    for (let r = 0; r < R; r++) {
      completionLengths[r] = state[4 * r + 1];
      endedWithEos[r] = state[4 * r + 2];
    }
    return { R, T, tokens, logp, mask, promptLengths, completionLengths, endedWithEos, gpu };
  }

  /**
   * The batch's starting arrays: BOS + prompt then PAD, targets shifted by
   * one, row states, the prefill's tokens (one sequence per prompt, PAD after
   * a shorter prompt's end), and the decode schedule: row r at step k stands
   * at min(its prompt length − 1 + k, T − 1) (T − 1: past the context's end,
   * left alone) and draws from samplingStream(step, that position).
   */
  private upload(prompts: readonly (readonly number[])[], G: number, batch: { R: number; T: number; prefix: number; steps: number }, promptLengths: Uint32Array, step: number): void {
    const { R, T, prefix, steps } = batch;
    const tokens = new Uint32Array(R * T).fill(PAD);
    const targets = new Uint32Array(R * T).fill(PAD);
    const state = new Uint32Array(R * 4);
    const prefillTokens = new Uint32Array((R / G) * prefix).fill(PAD);
    for (let r = 0; r < R; r++) {
      const p = prompts[Math.floor(r / G)];
      for (let t = 0; t < p.length; t++) tokens[r * T + t] = p[t];
      for (let t = 0; t + 1 < p.length; t++) targets[r * T + t] = p[t + 1];
      if (r % G === 0) for (let t = 0; t < Math.min(prefix, p.length); t++) prefillTokens[(r / G) * prefix + t] = p[t];
      state[4 * r] = promptLengths[r];
    }
    const positions = new Uint32Array(this.stride * steps);
    const streams = new Uint32Array(this.stride * steps);
    for (let k = 0; k < steps; k++) {
      for (let r = 0; r < R; r++) {
        const at = Math.min(promptLengths[r] - 1 + k, T - 1);
        positions[k * this.stride + r] = at;
        streams[k * this.stride + r] = samplingStream(step, at);
      }
    }
    const b = this.buf;
    const ctx = this.ctx;
    ctx.write(b.tokens.view([R * T]), tokens);
    ctx.write(b.targets.view([R * T]), targets);
    ctx.write(b.state.view([R * 4]), state);
    ctx.write(b.positions.view([positions.length]), positions);
    ctx.write(b.streams.view([streams.length]), streams);
    if (prefix > 0) ctx.write(b.prefillTokens.view([prefillTokens.length]), prefillTokens);
    for (const t of [b.mask, b.logp, b.piLogp, b.entropy, b.vmean]) ctx.zero(t.view([R * T]));
  }

  /**
   * Positions 0..prefix−1 of each prompt in one causal forward (rows are
   * independent in every kernel, so one sequence per prompt gives each of its
   * G rows what a forward over all rows would): every row's KV cache filled,
   * π's statistics at those positions recorded in every row. A shorter
   * prompt's padded positions are causal successors of its own, so they change
   * nothing there; the decode steps write over their cache entries and
   * statistics before anything reads them.
   */
  private prefill(R: number, G: number, T: number, prefix: number, acts: Activations, temperature: number): void {
    const ctx = this.ctx;
    const model = this.model;
    const { dModel: C, nHeads: H, vocabSize: V } = model.config;
    const P = R / G;
    const N = P * prefix;
    const { block, head } = acts.views(N);
    const p = (name: string) => model.paramViews.get(name)!;
    const att = this.attScratch!.view([P, H, prefix, prefix]);
    const tokens = this.buf.prefillTokens.view([N]), wte = p('transformer.wte.weight'), wpe = p('transformer.wpe.weight');
    const embed: Embed = (first) => (first ? embeddingNorm(ctx, tokens, wte, wpe, block.input, { N, T: prefix }, C, first) : embeddingForward(ctx, tokens, wte, wpe, block.input, P, prefix, C));
    forwardLayers(ctx, p, model.config, block, head, model.policyBias, N, (l) => (qkv, atty) => {
      attentionForward(ctx, qkv, atty, att, P, prefix, C, H);
      fillCache(ctx, qkv, this.caches[l].k, this.caches[l].v, R, prefix, this.cacheTime, C, G);
    }, this.norms, embed);
    const b = this.buf;
    // Prompt p's sequence into rows pG … pG + G − 1 of the [R, T] arrays: one copy per completion.
    logitStats(ctx, head.logits, b.targets, b.piLogp, b.entropy, b.vmean, N, V, temperature, { seq: prefix, seqStride: G * T, offset: 0, copies: G, copyStride: T });
  }

  /** Records decode step k for every row at its own position: cache, sampling, the next token into the [R, T] arrays, and π's statistics there. */
  private decodeStep(shape: { R: number; T: number }, k: number, block: BlockBuffers, head: HeadBuffers, arena: Tensor | null, req: SampleRequest): void {
    const ctx = this.ctx;
    const model = this.model;
    const { vocabSize: V, dModel: C, nHeads: H } = model.config;
    const { R, T } = shape;
    const b = this.buf;
    const p = (name: string) => model.paramViews.get(name)!;
    const pos = b.positions.view([R], k * this.stride);
    const wte = p('transformer.wte.weight'), wpe = p('transformer.wpe.weight');
    // Each row's token at its own position of the [R, T] arrays.
    const embed: Embed = (first) => (first ? embeddingNorm(ctx, b.tokens, wte, wpe, block.input, { N: R, T, positions: pos, atPosition: true }, C, first) : decodeEmbed(ctx, b.tokens, wte, wpe, block.input, pos, shape, C));
    const cache = (l: number, which: 'k' | 'v') => this.caches[l][which].view([R, this.cacheTime, C]);
    if (arena) this.fusedLayers(p, R, block, head, arena, (l) => ({ k: cache(l, 'k'), v: cache(l, 'v'), pos, scores: b.scores, Tmax: this.cacheTime }), () => embed(null));
    else forwardLayers(ctx, p, model.config, block, head, model.policyBias, R, (l) => (qkv, atty) => attentionDecode(ctx, qkv, cache(l, 'k'), cache(l, 'v'), pos, atty, R, this.cacheTime, C, H, b.scores), this.norms, embed);
    const draw = { V, temperature: req.temperature, topK: req.topK ?? 0, seed: req.seed >>> 0 };
    sampleAdvance(ctx, head.logits, b.streams.view([R], k * this.stride), { tokens: b.tokens, targets: b.targets, mask: b.mask, logp: b.logp, state: b.state }, shape, pos, { maxNew: req.maxNewTokens, pad: PAD, eos: EOS }, draw);
    logitStats(ctx, head.logits, b.targets, b.piLogp, b.entropy, b.vmean, R, V, req.temperature, { positions: pos, stride: T });
  }

  /**
   * forwardLayers for a decode step with a dispatch per block (decodeBlock)
   * over the arena's activations: the embedding (the first block normalises
   * it), the blocks, each writing the layer norm after it into ln1 (the
   * head's ln_f buffer too), then the head's product. The same bits as
   * forwardLayers.
   */
  private fusedLayers(p: ParamLookup, R: number, block: BlockBuffers, head: HeadBuffers, arena: Tensor, cache: (l: number) => DecodeBlockCache, embed: () => void): void {
    const { config, params, policyBias } = this.model;
    const { dModel: C, nLayers: L, nHeads: H } = config;
    const pair = (name: string) => ({ w: p(`${name}.weight`), b: p(`${name}.bias`) });
    embed();
    const acts = { arena, x: block.input, ln1: block.ln1, qkv: block.qkv, atty: block.atty, residual2: block.residual2, ln2: block.ln2, hidden: block.fchGelu, next: block.ln1 };
    for (let l = 0; l < L; l++) {
      const pre = layerPrefix(l);
      const prm = {
        all: params,
        ln1: pair(`${pre}.ln_1`),
        attn: pair(`${pre}.attn.c_attn`),
        proj: pair(`${pre}.attn.c_proj`),
        ln2: pair(`${pre}.ln_2`),
        fc: pair(`${pre}.mlp.c_fc`),
        fc2: pair(`${pre}.mlp.c_proj`),
        next: pair(l + 1 < L ? `${layerPrefix(l + 1)}.ln_1` : 'transformer.ln_f'),
      };
      decodeBlock(this.ctx, acts, prm, cache(l), { R, C, H, normFirst: l === 0 });
    }
    outputHead(this.ctx, p, config, block.input, head, policyBias, R, 'epilogue');
  }

  private gpuViews(R: number, T: number): SampledOnGpu {
    const b = this.buf;
    const v = (t: Tensor) => t.view([R, T]);
    return { tokens: v(b.tokens), targets: v(b.targets), mask: v(b.mask), logp: v(b.piLogp), entropy: v(b.entropy), vmean: v(b.vmean) };
  }

  dispose(): void {
    for (const t of [...this.actsOwned, ...(this.attScratch ? [this.attScratch] : []), ...this.owned.reverse()]) t.dispose();
    this.owned.length = 0;
    this.actsOwned = [];
    this.attScratch = null;
    this.acts = null;
  }
}

/** The RNG stream for the tokens drawn at position s + 1 during training step `step`. */
export function samplingStream(step: number, position: number): number {
  return hash3(step >>> 0, position >>> 0, 0x73616d70);
}
