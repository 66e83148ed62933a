// The transformer block and the output head, recorded once here for both the
// training forward (GptModel.forward, all positions, causal attention) and the
// sampler (a prompt prefill, then one position per step over a KV cache). A
// kernel swapped in here changes both paths at once, and both paths do the
// same arithmetic in the same order, so the sampler's log-probs equal the
// training forward's bit for bit (src/model/sampler.test.ts).
//
// Legend: N rows (positions), C channels, V vocab.

import type { GpuContext } from '../gpu/context';
import { layernormForward } from '../gpu/kernels/layernorm';
import { matmul } from '../gpu/kernels/matmul';
import { type LayerNormParams, layernormMatmul, layernormMatmulApplies, matmulBiasGelu, matmulBiasResidual, matmulBiasResidualNorm, residualNormApplies } from '../gpu/kernels/matmul-fused';
import { EXCLUDED_LOGIT } from '../gpu/reference/logits';
import { type Tensor, alignedElements } from '../gpu/tensor';
import { BOS, PAD } from '../tasks/tokenizer';
import type { ModelConfig } from './config';
import { layerPrefix, outputWeightName } from './params';

/** Parameter tensors by their checkpoint name. */
export type ParamLookup = (name: string) => Tensor;

/** One block's activations, [N, width] views; `input` is read, `output` written, the rest may be scratch. */
export interface BlockBuffers {
  input: Tensor;
  ln1: Tensor;
  ln1Mean: Tensor;
  ln1Rstd: Tensor;
  qkv: Tensor;
  atty: Tensor;
  residual2: Tensor;
  ln2: Tensor;
  ln2Mean: Tensor;
  ln2Rstd: Tensor;
  /** The MLP's pre-activation, written when given (a backward pass reads it). */
  fch?: Tensor;
  fchGelu: Tensor;
  output: Tensor;
}

/** Attention from qkv [N, 3C] to atty [N, C]: causal over whole sequences, or one new position over a KV cache. */
export type Attend = (qkv: Tensor, atty: Tensor) => void;

/**
 * How a forward records its layer norms. 'stored' runs each as a dispatch of
 * its own, writing the normalised activations, means and rstds. 'epilogue'
 * stores the same (a backward pass may follow) but computes each norm in the
 * epilogue of the residual product that writes its input
 * (matmulBiasResidualNorm: the attention projection writes ln_2, the MLP's
 * output the next ln_1 or ln_f), only the first ln_1 a dispatch of its own,
 * where one workgroup spans a row (C ≤ 32 on a CPU adapter, 64 on a GPU),
 * and stores them otherwise. 'folded' is for a forward that keeps nothing
 * for a backward (the sampler): each norm inside the product that follows it
 * (layernormMatmul), never stored, wherever the shapes allow. All three give
 * the same bits; the last two save a dispatch per layer norm.
 */
export type NormMode = 'stored' | 'folded' | 'epilogue';
export const NORM_MODES: readonly NormMode[] = ['stored', 'folded', 'epilogue'];

/**
 * The sampler's choice: 'folded' on a GPU, where a dispatch costs more than
 * the arithmetic it holds; 'epilogue' on a CPU adapter, where each tile of
 * the product recomputing its rows' statistics (folded) costs more loads than
 * the dispatch it saves (SwiftShader: countdown tiny 336 against 320 ms a
 * step), while each row normalised once beside the product that wrote it
 * costs little (docs/benchmarks.md).
 */
export function defaultNormMode(ctx: GpuContext): NormMode {
  return ctx.adapter.isSoftware ? 'epilogue' : 'folded';
}

/** The training forward's choice (it must store its norms): 'epilogue' on a CPU adapter, where it was measured; 'stored' on a GPU. */
export function trainingNormMode(ctx: GpuContext): NormMode {
  return ctx.adapter.isSoftware ? 'epilogue' : 'stored';
}

/** Whether 'epilogue' applies to a forward over N rows of C channels (the MLP's output product has K = 4C). */
export function epilogueNormsApply(N: number, C: number): boolean {
  return residualNormApplies(N, 4 * C, C);
}

/** Elements of normStats' buffer for N rows. */
export function normStatsSize(N: number): number {
  return alignedElements(N) + N;
}

/** A norm's means and rstds for N rows as views of one buffer, rstds after means: the layer-norm epilogue writes both through one binding. */
export function normStats(own: (shape: number[]) => Tensor, N: number): [mean: Tensor, rstd: Tensor] {
  const both = own([normStatsSize(N)]);
  return [both.view([N]), both.view([N], alignedElements(N))];
}

/** A layer norm to record: its parameters and where its output goes. */
export type NormInto = LayerNormParams & { out: Tensor; mean: Tensor; rstd: Tensor };

/**
 * Records the embedding into the first block's input and, when given the
 * first block's ln_1 ('epilogue' norms), that layer norm of it too
 * (embeddingNorm: both in one dispatch).
 */
export type Embed = (first: NormInto | null) => void;

/** Records ln(x)·Wᵀ + b (through GELU when asked) into y: folded into the product, or through the block's norm buffers, or (epilogue) from the norm already in ln.out. */
function normThenProduct(ctx: GpuContext, mode: NormMode, x: Tensor, ln: NormInto, w: Tensor, bias: Tensor, y: Tensor, dims: { M: number; K: number; N: number }, gelu: { pre?: Tensor } | null): void {
  const { M, K, N } = dims;
  if (mode === 'folded' && layernormMatmulApplies(M, K, N)) {
    layernormMatmul(ctx, x, ln, w, bias, y, dims, { gelu: gelu !== null });
    return;
  }
  if (mode !== 'epilogue') layernormForward(ctx, x, ln.w, ln.b, ln.out, ln.mean, ln.rstd, M, K);
  if (gelu) matmulBiasGelu(ctx, ln.out, w, bias, y, dims, gelu.pre);
  else matmul(ctx, ln.out, w, y, { ...dims, layout: 'nt', bias });
}

/** y = r + x·Wᵀ + b, and in 'epilogue' mode the next layer norm of y into next.out. */
function residualProduct(ctx: GpuContext, mode: NormMode, x: Tensor, w: Tensor, bias: Tensor, residual: Tensor, y: Tensor, dims: { M: number; K: number; N: number }, next: NormInto | undefined): void {
  if (mode === 'epilogue') {
    if (!next) throw new Error("blockForward: 'epilogue' norms need the layer norm that follows the block");
    matmulBiasResidualNorm(ctx, x, w, bias, residual, y, dims, next);
  } else matmulBiasResidual(ctx, x, w, bias, residual, y, dims);
}

const layerNorm = (p: ParamLookup, name: string, out: Tensor, mean: Tensor, rstd: Tensor): NormInto => ({ w: p(`${name}.weight`), b: p(`${name}.bias`), out, mean, rstd });

/**
 * Records layer l: x + attn(ln_1(x)), then + mlp(ln_2(·)). With 'epilogue'
 * norms, ln_1(x) is already in a.ln1 and the block's last product writes
 * `next` (the layer norm of its output that comes next); see forwardLayers.
 */
export function blockForward(ctx: GpuContext, p: ParamLookup, l: number, a: BlockBuffers, N: number, C: number, attend: Attend, norms: NormMode = 'stored', next?: NormInto): void {
  const pre = layerPrefix(l);
  normThenProduct(ctx, norms, a.input, layerNorm(p, `${pre}.ln_1`, a.ln1, a.ln1Mean, a.ln1Rstd), p(`${pre}.attn.c_attn.weight`), p(`${pre}.attn.c_attn.bias`), a.qkv, { M: N, K: C, N: 3 * C }, null);
  attend(a.qkv, a.atty);
  // The fused epilogues (bias + residual, bias + GELU) give the same bits as matmul followed by add or gelu.
  const ln2 = layerNorm(p, `${pre}.ln_2`, a.ln2, a.ln2Mean, a.ln2Rstd);
  residualProduct(ctx, norms, a.atty, p(`${pre}.attn.c_proj.weight`), p(`${pre}.attn.c_proj.bias`), a.input, a.residual2, { M: N, K: C, N: C }, ln2);
  normThenProduct(ctx, norms, a.residual2, ln2, p(`${pre}.mlp.c_fc.weight`), p(`${pre}.mlp.c_fc.bias`), a.fchGelu, { M: N, K: C, N: 4 * C }, a.fch ? { pre: a.fch } : {});
  residualProduct(ctx, norms, a.fchGelu, p(`${pre}.mlp.c_proj.weight`), p(`${pre}.mlp.c_proj.bias`), a.residual2, a.output, { M: N, K: 4 * C, N: C }, next);
}

export interface HeadBuffers {
  lnf: Tensor;
  lnfMean: Tensor;
  lnfRstd: Tensor;
  logits: Tensor;
}

/** Records logits [N, V] = ln_f(x) · W_outᵀ + the policy's bias (see policyLogitBias); with 'epilogue' norms ln_f(x) is already in h.lnf. */
export function outputHead(ctx: GpuContext, p: ParamLookup, config: ModelConfig, x: Tensor, h: HeadBuffers, policyBias: Tensor, N: number, norms: NormMode = 'stored'): void {
  const { dModel: C, vocabSize: V } = config;
  normThenProduct(ctx, norms, x, layerNorm(p, 'transformer.ln_f', h.lnf, h.lnfMean, h.lnfRstd), p(outputWeightName(config)), policyBias, h.logits, { M: N, K: C, N: V }, null);
}

/**
 * Records every block, then the output head: the sampler's prefill and decode
 * steps over one set of buffers (`blocks` a BlockBuffers, each block's output
 * written over its input), the training forward over each layer's own
 * (`blocks(l)`, where layer l's output is layer l + 1's input). `attend(l)` is
 * layer l's attention, `embed` records the embedding first. 'epilogue' norms
 * chain here: the first ln_1 is recorded with the embedding, and each block's last product writes the next
 * layer norm (the next block's ln_1, or ln_f into the head's buffers); where
 * they do not apply to the shape, the norms are stored.
 */
export function forwardLayers(ctx: GpuContext, p: ParamLookup, config: ModelConfig, blocks: BlockBuffers | ((l: number) => BlockBuffers), head: HeadBuffers, policyBias: Tensor, N: number, attend: (l: number) => Attend, norms: NormMode, embed: Embed): void {
  const { dModel: C, nLayers: L } = config;
  const block = Array.from({ length: L }, (_, l) => (typeof blocks === 'function' ? blocks(l) : blocks));
  const mode: NormMode = norms === 'epilogue' && !(L > 0 && epilogueNormsApply(N, C)) ? 'stored' : norms;
  const ln1 = (l: number) => layerNorm(p, `${layerPrefix(l)}.ln_1`, block[l].ln1, block[l].ln1Mean, block[l].ln1Rstd);
  embed(mode === 'epilogue' ? ln1(0) : null);
  for (let l = 0; l < L; l++) {
    const next = mode !== 'epilogue' ? undefined : l + 1 < L ? ln1(l + 1) : layerNorm(p, 'transformer.ln_f', head.lnf, head.lnfMean, head.lnfRstd);
    blockForward(ctx, p, l, block[l], N, C, attend(l), mode, next);
  }
  outputHead(ctx, p, config, block[L - 1].output, head, policyBias, N, mode);
}

/**
 * The policy's output bias: EXCLUDED_LOGIT at PAD, BOS and every token in
 * `excluded`, 0 elsewhere. Both the sampler and the training forward add it,
 * so the policy π is the softmax over the remaining tokens: an excluded token
 * has probability exactly 0 at every temperature, and the statistics
 * (src/gpu/kernels/logits.ts) leave it out of entropy and vmean.
 */
export function policyLogitBias(vocabSize: number, excluded: readonly number[] = []): Float32Array {
  const bias = new Float32Array(vocabSize);
  for (const id of [PAD, BOS, ...excluded]) {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new Error(`policyLogitBias: token ${id} is not in a vocabulary of ${vocabSize}`);
    bias[id] = EXCLUDED_LOGIT;
  }
  if (bias.every((b) => b !== 0)) throw new Error('policyLogitBias: every token is excluded');
  return bias;
}
