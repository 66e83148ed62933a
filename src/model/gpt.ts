// The policy on the GPU. Parameters, gradients and both AdamW moments are one
// flat buffer each (see params.ts); activations are allocated once for the
// largest (B, T) and reused, so a steady training step creates no buffers and
// no bind groups. Forward and backward only record dispatches: nothing comes
// back to the CPU unless a caller reads a tensor.
//
// Legend: B batch, T time, C channels, V vocab, H heads, L layers, N = B·T rows.

import type { GpuContext } from '../gpu/context';
import { type AdamWConfig as KernelAdamWConfig, adamw } from '../gpu/kernels/adamw';
import { type PackedRows, attentionBackward, attentionBackwardPacked, attentionForward, attentionForwardPacked } from '../gpu/kernels/attention';
import { embeddingBackward, embeddingForward, embeddingNorm } from '../gpu/kernels/embedding';
import { layernormBackward, layernormBackwardResidual } from '../gpu/kernels/layernorm';
import { crossEntropy, logitStats, logitStatsBackward } from '../gpu/kernels/logits';
import { matmul } from '../gpu/kernels/matmul';
import { matmulGeluBackward, matmulWeightBiasGrad } from '../gpu/kernels/matmul-fused';
import { sumOfSquares } from '../gpu/kernels/reduce';
import { Tensor } from '../gpu/tensor';
import { type BlockBuffers, type Embed, type NormMode, forwardLayers, normStats, policyLogitBias, trainingNormMode } from './block';
import type { ModelConfig } from './config';
import { type ParamLayout, buildLayout, gpuViews, initParams, layerPrefix, outputWeightName } from './params';
import { nextTokenTargets } from './reference';

export interface GptModelOptions {
  /** Largest batch (sequences) forward/backward will see. */
  maxBatch: number;
  /** Longest sequence forward/backward will see; default the context length. */
  maxTime?: number;
  /** Initialisation seed (ignored when `params` is given). */
  seed?: number;
  /** Initial flat parameters, e.g. from a checkpoint. */
  params?: Float32Array;
  /** Tokens the policy may not emit, beside PAD and BOS (see policyLogitBias). */
  excludedTokens?: readonly number[];
  /** How the forward records its layer norms, 'stored' or 'epilogue' (the same bits); trainingNormMode by default. */
  norms?: NormMode;
}

/** AdamW settings; the model supplies the step count and which elements take weight decay. */
export type AdamWConfig = Omit<KernelAdamWConfig, 'step' | 'decayCount'>;

export const DEFAULT_ADAMW: AdamWConfig = { lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 1 };

/** Views of the forward pass's per-position outputs for the current (B, T). */
export interface ForwardOutputs {
  /** [N, V]. */
  logits: Tensor;
  /** [N] log π(targets[n]) at temperature τ; π is the softmax over the sampleable tokens (PAD and BOS have probability 0). */
  logp: Tensor;
  /** [N] entropy of π at τ. */
  entropy: Tensor;
  /** [N] mean of log π(a) at τ over the V − 2 sampleable tokens a. */
  vmean: Tensor;
}

type Tokens = ArrayLike<number> | Tensor;
type PerToken = ArrayLike<number> | Tensor;

export interface GpuForwardOptions {
  temperature?: number;
  /** [N] token scored at each position; default the next token (requires CPU tokens). */
  targets?: Tokens;
}

/**
 * Packed rows for the forward and backward passes (src/rl/packing.ts): N
 * rows, each at its own position, attending the rows its segment names.
 */
export interface GpuPacking extends PackedRows {
  /** u32 [N]: each row's position. */
  positions: Tensor<'u32'>;
}

/** How the N rows of a pass are laid out: B right-padded sequences of T positions, or packed rows. */
type RowLayout = { B: number; T: number; packed: null } | { B: number; T: number; packed: GpuPacking };

export type GpuBackwardSource = { dlogp?: PerToken; dentropy?: PerToken; dvmean?: PerToken } | { crossEntropyMask: PerToken };

/** One layer's saved activations for the backward pass: the block's buffers, its input residual and the attention probabilities. */
type LayerBuffers = Omit<BlockBuffers, 'input' | 'proj' | 'output' | 'fch'> & { residual: Tensor; att: Tensor; fch: Tensor };

export class GptModel {
  readonly layout: ParamLayout;
  readonly params: Tensor;
  readonly grads: Tensor;
  readonly m: Tensor;
  readonly v: Tensor;
  readonly gradNormSq: Tensor;
  readonly paramViews: ReadonlyMap<string, Tensor>;
  readonly gradViews: ReadonlyMap<string, Tensor>;
  /** [V] added to the output logits: PAD, BOS and any excluded token out of the policy (see policyLogitBias). */
  readonly policyBias: Tensor;
  readonly maxBatch: number;
  readonly maxTime: number;
  /** AdamW steps taken (bias correction counts from 1). */
  stepCount = 0;
  /** How the forward records its layer norms (block.ts: every mode stores what the backward reads, with the same bits). */
  readonly norms: NormMode;

  private readonly owned: Tensor[] = [];
  private readonly layers: LayerBuffers[];
  private readonly top: { residual: Tensor; lnf: Tensor; lnfMean: Tensor; lnfRstd: Tensor; logits: Tensor; logp: Tensor; entropy: Tensor; vmean: Tensor };
  private readonly io: { tokens: Tensor; targets: Tensor; dlogp: Tensor; dentropy: Tensor; dvmean: Tensor; mask: Tensor; losses: Tensor };
  private readonly scratch: { dlogits: Tensor; dresA: Tensor; dresB: Tensor; dln: Tensor; datty: Tensor; dqkv: Tensor; dfch: Tensor; dscore: Tensor };
  private last: { rows: RowLayout; tokens: Tensor; targets: Tensor; temperature: number } | null = null;

  constructor(
    readonly ctx: GpuContext,
    readonly config: ModelConfig,
    opts: GptModelOptions,
  ) {
    this.layout = buildLayout(config);
    this.norms = opts.norms ?? trainingNormMode(ctx);
    if (this.norms === 'folded') throw new Error("GptModel: 'folded' norms keep nothing for the backward pass; use 'stored' or 'epilogue'");
    const { vocabSize: V, dModel: C, nHeads: H, nLayers: L, contextLength } = config;
    this.maxBatch = opts.maxBatch;
    this.maxTime = opts.maxTime ?? contextLength;
    if (!(this.maxBatch >= 1) || !(this.maxTime >= 1) || this.maxTime > contextLength) {
      throw new Error(`GptModel: need 1 ≤ maxBatch and 1 ≤ maxTime ≤ contextLength (${contextLength}), got ${this.maxBatch}, ${this.maxTime}`);
    }
    const P = this.layout.totalSize;
    const initial = opts.params ?? initParams(this.layout, opts.seed ?? 0);
    if (initial.length !== P) throw new Error(`GptModel: ${initial.length} initial parameters for a layout of ${P}`);
    this.params = this.own([P], initial);
    this.grads = this.own([P], new Float32Array(P));
    this.m = this.own([P], new Float32Array(P));
    this.v = this.own([P], new Float32Array(P));
    this.gradNormSq = this.own([1], [0]);
    this.paramViews = gpuViews(this.params, this.layout);
    this.gradViews = gpuViews(this.grads, this.layout);
    this.policyBias = this.own([V], policyLogitBias(V, opts.excludedTokens));

    const N = this.maxBatch * this.maxTime;
    const TT = this.maxBatch * H * this.maxTime * this.maxTime;
    this.layers = [];
    const stats = () => normStats((shape) => this.own(shape), N);
    for (let l = 0; l < L; l++) {
      const [ln1Mean, ln1Rstd] = stats();
      const [ln2Mean, ln2Rstd] = stats();
      this.layers.push({
        residual: this.own([N, C]),
        ln1: this.own([N, C]),
        ln1Mean,
        ln1Rstd,
        qkv: this.own([N, 3 * C]),
        att: this.own([TT]),
        atty: this.own([N, C]),
        residual2: this.own([N, C]),
        ln2: this.own([N, C]),
        ln2Mean,
        ln2Rstd,
        fch: this.own([N, 4 * C]),
        fchGelu: this.own([N, 4 * C]),
      });
    }
    const [lnfMean, lnfRstd] = stats();
    this.top = { residual: this.own([N, C]), lnf: this.own([N, C]), lnfMean, lnfRstd, logits: this.own([N, V]), logp: this.own([N]), entropy: this.own([N]), vmean: this.own([N]) };
    this.io = { tokens: this.own([N], undefined, 'u32'), targets: this.own([N], undefined, 'u32'), dlogp: this.own([N]), dentropy: this.own([N]), dvmean: this.own([N]), mask: this.own([N]), losses: this.own([N]) };
    this.scratch = {
      dlogits: this.own([N, V]),
      dresA: this.own([N, C]),
      dresB: this.own([N, C]),
      dln: this.own([N, C]),
      datty: this.own([N, C]),
      dqkv: this.own([N, 3 * C]),
      dfch: this.own([N, 4 * C]),
      dscore: this.own([TT]),
    };
  }

  private own(shape: number[], data?: ArrayLike<number>, dtype: 'f32' | 'u32' = 'f32'): Tensor {
    const t = this.ctx.tensor(shape, dtype, data);
    this.owned.push(t);
    return t;
  }

  private p(name: string): Tensor {
    return this.paramViews.get(name)!;
  }

  private g(name: string): Tensor {
    return this.gradViews.get(name)!;
  }

  /**
   * Records the forward pass over tokens [B, T] (u32) and the per-position
   * statistics at `temperature`. The returned views are overwritten by the
   * next forward.
   */
  forward(tokens: Tokens, B: number, T: number, opts: GpuForwardOptions = {}): ForwardOutputs {
    if (B < 1 || T < 1 || B > this.maxBatch || T > this.maxTime) throw new Error(`GptModel.forward: B=${B}, T=${T} outside 1..${this.maxBatch} × 1..${this.maxTime}`);
    return this.record(tokens, { B, T, packed: null }, opts);
  }

  /**
   * The forward pass over packed rows (tokens [N] on the GPU, with targets):
   * the same per-row outputs as the dense forward of the sequences they were
   * packed from. Its backward is `backward`, as after `forward`.
   */
  forwardPacked(tokens: Tensor, packed: GpuPacking, opts: GpuForwardOptions & { targets: Tensor }): ForwardOutputs {
    const { N, Tk } = packed;
    const H = this.config.nHeads;
    if (N < 1 || Tk < 1 || Tk > this.maxTime || N > this.maxBatch * this.maxTime || H * N * Tk > this.layers[0]?.att.size) {
      throw new Error(`GptModel.forwardPacked: ${N} rows with key lists up to ${Tk} do not fit ${this.maxBatch} × ${this.maxTime}`);
    }
    return this.record(tokens, { B: N, T: 1, packed }, opts);
  }

  private record(tokens: Tokens, layout: RowLayout, opts: GpuForwardOptions): ForwardOutputs {
    const { vocabSize: V, dModel: C, nHeads: H, nLayers: L } = this.config;
    const { B, T, packed } = layout;
    const N = B * T;
    const temperature = opts.temperature ?? 1;
    const tok = this.input(tokens, this.io.tokens, N, 'tokens');
    let targets: Tensor;
    if (opts.targets !== undefined) targets = this.input(opts.targets, this.io.targets, N, 'targets');
    else if (tokens instanceof Tensor) throw new Error('GptModel.forward: pass targets explicitly when tokens are already on the GPU');
    else targets = this.input(nextTokenTargets(tokens, B, T), this.io.targets, N, 'targets');

    const rows = (t: Tensor, width: number) => t.view([N, width]);
    const ctx = this.ctx;
    const top = this.top;
    const p = (name: string) => this.p(name);
    const residualIn = (l: number) => rows(this.layers[l].residual, C);
    const wte = this.p('transformer.wte.weight'), wpe = this.p('transformer.wpe.weight');
    const embedded = L > 0 ? residualIn(0) : rows(top.residual, C);
    const embed: Embed = (first) => (first ? embeddingNorm(ctx, tok, wte, wpe, embedded, { N, T, positions: packed?.positions }, C, first) : embeddingForward(ctx, tok, wte, wpe, embedded, B, T, C, packed?.positions));
    const blocks = (l: number): BlockBuffers => {
      const a = this.layers[l];
      return {
        input: residualIn(l),
        ln1: rows(a.ln1, C),
        ln1Mean: a.ln1Mean.view([N]),
        ln1Rstd: a.ln1Rstd.view([N]),
        qkv: rows(a.qkv, 3 * C),
        atty: rows(a.atty, C),
        residual2: rows(a.residual2, C),
        ln2: rows(a.ln2, C),
        ln2Mean: a.ln2Mean.view([N]),
        ln2Rstd: a.ln2Rstd.view([N]),
        fch: rows(a.fch, 4 * C),
        fchGelu: rows(a.fchGelu, 4 * C),
        output: l + 1 < L ? residualIn(l + 1) : rows(top.residual, C),
      };
    };
    const attend = (l: number) => {
      const att = this.attView(this.layers[l], layout);
      return (qkv: Tensor, atty: Tensor) => (packed ? attentionForwardPacked(ctx, qkv, atty, att, packed, C, H) : attentionForward(ctx, qkv, atty, att, B, T, C, H));
    };
    const logits = rows(top.logits, V);
    forwardLayers(ctx, p, this.config, blocks, { lnf: rows(top.lnf, C), lnfMean: top.lnfMean.view([N]), lnfRstd: top.lnfRstd.view([N]), logits }, this.policyBias, N, attend, this.norms, embed);
    const out = { logits, logp: top.logp.view([N]), entropy: top.entropy.view([N]), vmean: top.vmean.view([N]) };
    logitStats(ctx, logits, targets, out.logp, out.entropy, out.vmean, N, V, temperature);
    this.last = { rows: layout, tokens: tok, targets, temperature };
    return out;
  }

  /** A layer's attention probabilities for the layout: [B, H, T, T], or [H, N, Tk] for packed rows. */
  private attView(a: LayerBuffers, { B, T, packed }: RowLayout): Tensor {
    const H = this.config.nHeads;
    return packed ? a.att.view([H, packed.N, packed.Tk]) : a.att.view([B, H, T, T]);
  }

  /**
   * Records the backward pass of the last forward, adding to the gradients:
   * of Σ_n (dlogp·logp + dentropy·entropy + dvmean·vmean), or of the masked
   * mean cross-entropy at τ = 1. In the latter case it returns the per-row
   * losses −mask·logp (the loss is their sum over Σ mask).
   */
  backward(source: GpuBackwardSource): { losses?: Tensor } {
    if (!this.last) throw new Error('GptModel.backward: call forward first');
    const { rows: layout, tokens, targets, temperature } = this.last;
    const { B, T, packed } = layout;
    const { vocabSize: V, dModel: C, nHeads: H, nLayers: L } = this.config;
    const N = B * T;
    const ctx = this.ctx;
    const rows = (t: Tensor, width: number) => t.view([N, width]);
    const s = this.scratch;
    const logits = rows(this.top.logits, V), dlogits = rows(s.dlogits, V);
    let losses: Tensor | undefined;
    if ('crossEntropyMask' in source) {
      const mask = this.input(source.crossEntropyMask, this.io.mask, N, 'crossEntropyMask');
      losses = this.io.losses.view([N]);
      crossEntropy(ctx, logits, targets, mask, losses, dlogits, N, V);
    } else {
      const grads: { dlogp?: Tensor; dentropy?: Tensor; dvmean?: Tensor } = {};
      if (source.dlogp !== undefined) grads.dlogp = this.input(source.dlogp, this.io.dlogp, N, 'dlogp');
      if (source.dentropy !== undefined) grads.dentropy = this.input(source.dentropy, this.io.dentropy, N, 'dentropy');
      if (source.dvmean !== undefined) grads.dvmean = this.input(source.dvmean, this.io.dvmean, N, 'dvmean');
      logitStatsBackward(ctx, logits, targets, dlogits, N, V, temperature, grads);
    }

    const outName = outputWeightName(this.config);
    matmul(ctx, dlogits, rows(this.top.lnf, C), this.g(outName), { M: V, K: N, N: C, layout: 'tn', accumulate: true });
    const dln = rows(s.dln, C);
    matmul(ctx, dlogits, this.p(outName), dln, { M: N, K: V, N: C, layout: 'nn' });
    let dres = rows(s.dresA, C);
    let dresOther = rows(s.dresB, C);
    layernormBackward(ctx, dln, rows(this.top.residual, C), this.p('transformer.ln_f.weight'), this.top.lnfMean.view([N]), this.top.lnfRstd.view([N]), dres, this.g('transformer.ln_f.weight'), this.g('transformer.ln_f.bias'), N, C, true);

    for (let l = L - 1; l >= 0; l--) {
      const pre = layerPrefix(l);
      const a = this.layers[l];
      const dfch = rows(s.dfch, 4 * C), datty = rows(s.datty, C), dqkv = rows(s.dqkv, 3 * C);
      // MLP block, from its output back to residual2.
      // MLP block, from its output back to residual2: c_proj's parameter gradients, then its input gradient through GELU in one pass.
      matmulWeightBiasGrad(ctx, dres, rows(a.fchGelu, 4 * C), this.g(`${pre}.mlp.c_proj.weight`), this.g(`${pre}.mlp.c_proj.bias`), N, 4 * C, C, true);
      matmulGeluBackward(ctx, dres, this.p(`${pre}.mlp.c_proj.weight`), rows(a.fch, 4 * C), dfch, { M: N, K: C, N: 4 * C });
      this.linearBackward(dfch, rows(a.ln2, C), `${pre}.mlp.c_fc`, dln, N, C, 4 * C);
      layernormBackwardResidual(ctx, dln, rows(a.residual2, C), this.p(`${pre}.ln_2.weight`), a.ln2Mean.view([N]), a.ln2Rstd.view([N]), dres, dresOther, this.g(`${pre}.ln_2.weight`), this.g(`${pre}.ln_2.bias`), N, C, true);
      [dres, dresOther] = [dresOther, dres];
      // Attention block, from residual2 back to the block input.
      this.linearBackward(dres, rows(a.atty, C), `${pre}.attn.c_proj`, datty, N, C, C);
      if (packed) attentionBackwardPacked(ctx, datty, rows(a.qkv, 3 * C), this.attView(a, layout), dqkv, packed, C, H, s.dscore);
      else attentionBackward(ctx, datty, rows(a.qkv, 3 * C), this.attView(a, layout), dqkv, B, T, C, H, s.dscore);
      this.linearBackward(dqkv, rows(a.ln1, C), `${pre}.attn.c_attn`, dln, N, C, 3 * C);
      layernormBackwardResidual(ctx, dln, rows(a.residual, C), this.p(`${pre}.ln_1.weight`), a.ln1Mean.view([N]), a.ln1Rstd.view([N]), dres, dresOther, this.g(`${pre}.ln_1.weight`), this.g(`${pre}.ln_1.bias`), N, C, true);
      [dres, dresOther] = [dresOther, dres];
    }
    embeddingBackward(ctx, dres, tokens, this.g('transformer.wte.weight'), this.g('transformer.wpe.weight'), B, T, C, V, true, packed?.positions);
    return losses ? { losses } : {};
  }

  /** Backward of y[N, out] = x[N, in] · Wᵀ + b: adds to dW and db, writes dx. */
  private linearBackward(dy: Tensor, x: Tensor, name: string, dx: Tensor, N: number, inDim: number, outDim: number): void {
    matmulWeightBiasGrad(this.ctx, dy, x, this.g(`${name}.weight`), this.g(`${name}.bias`), N, inDim, outDim, true);
    matmul(this.ctx, dy, this.p(`${name}.weight`), dx, { M: N, K: outDim, N: inDim, layout: 'nn' });
  }

  zeroGrad(): void {
    this.ctx.zero(this.grads);
  }

  /** Records one AdamW update from the accumulated gradients (clipped by global norm on the GPU). */
  step(cfg: AdamWConfig = DEFAULT_ADAMW): void {
    this.stepCount++;
    sumOfSquares(this.ctx, this.grads, this.gradNormSq);
    adamw(this.ctx, this.params, this.grads, this.m, this.v, this.gradNormSq, {
      lr: cfg.lr,
      beta1: cfg.beta1,
      beta2: cfg.beta2,
      eps: cfg.eps,
      weightDecay: cfg.weightDecay,
      maxGradNorm: cfg.maxGradNorm,
      step: this.stepCount,
      decayCount: this.layout.decayCount,
    });
  }

  /** The global gradient norm the last step() saw (before clipping). */
  async gradNorm(): Promise<number> {
    return Math.sqrt((await this.ctx.read(this.gradNormSq))[0]);
  }

  readParams(): Promise<Float32Array> {
    return this.ctx.read(this.params as Tensor<'f32'>);
  }

  readGrads(): Promise<Float32Array> {
    return this.ctx.read(this.grads as Tensor<'f32'>);
  }

  /** Replaces the parameters (e.g. from a checkpoint) and resets the optimizer. */
  loadParams(params: Float32Array): void {
    this.ctx.write(this.params, params);
    this.ctx.zero(this.m);
    this.ctx.zero(this.v);
    this.ctx.zero(this.grads);
    this.stepCount = 0;
  }

  dispose(): void {
    for (const t of this.owned.reverse()) t.dispose();
    this.owned.length = 0;
  }

  /** A GPU tensor of N elements for `data`: itself when already on the GPU, else `staging` filled from the CPU. */
  private input(data: Tokens, staging: Tensor, N: number, what: string): Tensor {
    if (data instanceof Tensor) {
      if (data.size !== N) throw new Error(`GptModel: ${what} has ${data.size} elements, expected ${N}`);
      return data;
    }
    if (data.length !== N) throw new Error(`GptModel: ${what} has ${data.length} values, expected ${N}`);
    if (staging.dtype === 'u32') {
      // An id outside the vocabulary would read another row's weights without complaint on the GPU.
      const V = this.config.vocabSize;
      for (let i = 0; i < N; i++) if (!(data[i] >= 0 && data[i] < V && Number.isInteger(data[i]))) throw new Error(`GptModel: ${what}[${i}] = ${data[i]} is not a token id below ${V}`);
    }
    const view = staging.view([N]);
    this.ctx.write(view, data);
    return view;
  }
}
