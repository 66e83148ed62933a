// The transformer block and the output head, recorded once here for both the
// training forward (GptModel.forward, all positions, causal attention) and the
// sampler (a prompt prefill, then one position per step over a KV cache). A
// kernel swapped in here changes both paths at once, and both paths do the
// same arithmetic in the same order, so the sampler's log-probs equal the
// training forward's bit for bit (src/model/sampler.test.ts).
//
// Legend: N rows (positions), C channels, V vocab.

import type { GpuContext } from '../gpu/context';
import { DECODE_LAYER_PARAMS, DECODE_TOP_PARAMS } from '../gpu/kernels/decode-model';
import { layernormForward } from '../gpu/kernels/layernorm';
import { matmul } from '../gpu/kernels/matmul';
import { layernormMatmul, layernormMatmulApplies, matmulBiasGelu, matmulBiasResidual } from '../gpu/kernels/matmul-fused';
import { EXCLUDED_LOGIT } from '../gpu/reference/logits';
import type { Tensor } from '../gpu/tensor';
import { BOS, PAD } from '../tasks/tokenizer';
import type { ModelConfig } from './config';
import { type ParamLayout, entry, layerPrefix, outputWeightName } from './params';

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
  fch: Tensor;
  fchGelu: Tensor;
  output: Tensor;
}

/** Attention from qkv [N, 3C] to atty [N, C]: causal over whole sequences, or one new position over a KV cache. */
export type Attend = (qkv: Tensor, atty: Tensor) => void;

/**
 * How a forward records its layer norms: 'stored' writes each normalised
 * activation, mean and rstd (the backward pass needs them); 'folded' applies
 * each layer norm inside the product that follows it (layernormMatmul, one
 * dispatch instead of two, the same bits) wherever the shapes allow, for a
 * forward that keeps nothing for a backward (the sampler).
 */
export type NormMode = 'stored' | 'folded';
export const NORM_MODES: readonly NormMode[] = ['stored', 'folded'];

/**
 * The sampler's choice: 'folded' on a GPU, where a dispatch costs more than
 * the arithmetic it holds; 'stored' on a CPU adapter, where each tile of the
 * product recomputing its rows' statistics costs more loads than the
 * dispatch it saves (SwiftShader: countdown tiny 336 against 320 ms a step,
 * docs/benchmarks.md).
 */
export function defaultNormMode(ctx: GpuContext): NormMode {
  return ctx.adapter.isSoftware ? 'stored' : 'folded';
}

/** Records ln(x)·Wᵀ + b (through GELU when asked) into y: folded into the product, or through the block's norm buffers. */
function normThenProduct(ctx: GpuContext, mode: NormMode, x: Tensor, ln: { w: Tensor; b: Tensor; out: Tensor; mean: Tensor; rstd: Tensor }, w: Tensor, bias: Tensor, y: Tensor, dims: { M: number; K: number; N: number }, gelu: { pre?: Tensor } | null): void {
  const { M, K, N } = dims;
  if (mode === 'folded' && layernormMatmulApplies(M, K, N)) {
    layernormMatmul(ctx, x, ln, w, bias, y, dims, { gelu: gelu !== null });
    return;
  }
  layernormForward(ctx, x, ln.w, ln.b, ln.out, ln.mean, ln.rstd, M, K);
  if (gelu) matmulBiasGelu(ctx, ln.out, w, bias, y, dims, gelu.pre);
  else matmul(ctx, ln.out, w, y, { ...dims, layout: 'nt', bias });
}

/** Records layer l: x + attn(ln_1(x)), then + mlp(ln_2(·)). */
export function blockForward(ctx: GpuContext, p: ParamLookup, l: number, a: BlockBuffers, N: number, C: number, attend: Attend, norms: NormMode = 'stored'): void {
  const pre = layerPrefix(l);
  const ln1 = { w: p(`${pre}.ln_1.weight`), b: p(`${pre}.ln_1.bias`), out: a.ln1, mean: a.ln1Mean, rstd: a.ln1Rstd };
  normThenProduct(ctx, norms, a.input, ln1, p(`${pre}.attn.c_attn.weight`), p(`${pre}.attn.c_attn.bias`), a.qkv, { M: N, K: C, N: 3 * C }, null);
  attend(a.qkv, a.atty);
  // The fused epilogues (bias + residual, bias + GELU) give the same bits as matmul followed by add or gelu.
  matmulBiasResidual(ctx, a.atty, p(`${pre}.attn.c_proj.weight`), p(`${pre}.attn.c_proj.bias`), a.input, a.residual2, { M: N, K: C, N: C });
  const ln2 = { w: p(`${pre}.ln_2.weight`), b: p(`${pre}.ln_2.bias`), out: a.ln2, mean: a.ln2Mean, rstd: a.ln2Rstd };
  normThenProduct(ctx, norms, a.residual2, ln2, p(`${pre}.mlp.c_fc.weight`), p(`${pre}.mlp.c_fc.bias`), a.fchGelu, { M: N, K: C, N: 4 * C }, { pre: a.fch });
  matmulBiasResidual(ctx, a.fchGelu, p(`${pre}.mlp.c_proj.weight`), p(`${pre}.mlp.c_proj.bias`), a.residual2, a.output, { M: N, K: 4 * C, N: C });
}

export interface HeadBuffers {
  lnf: Tensor;
  lnfMean: Tensor;
  lnfRstd: Tensor;
  logits: Tensor;
}

/** Records logits [N, V] = ln_f(x) · W_outᵀ + the policy's bias (see policyLogitBias). */
export function outputHead(ctx: GpuContext, p: ParamLookup, config: ModelConfig, x: Tensor, h: HeadBuffers, policyBias: Tensor, N: number, norms: NormMode = 'stored'): void {
  const { dModel: C, vocabSize: V } = config;
  const lnf = { w: p('transformer.ln_f.weight'), b: p('transformer.ln_f.bias'), out: h.lnf, mean: h.lnfMean, rstd: h.lnfRstd };
  normThenProduct(ctx, norms, x, lnf, p(outputWeightName(config)), policyBias, h.logits, { M: N, K: C, N: V }, null);
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

/** A layer's tensors in the order the fused decode reads them (shaders/decode-model.wgsl, LN1_W … FC2_B). */
const DECODE_LAYER_NAMES = ['ln_1.weight', 'ln_1.bias', 'attn.c_attn.weight', 'attn.c_attn.bias', 'attn.c_proj.weight', 'attn.c_proj.bias', 'ln_2.weight', 'ln_2.bias', 'mlp.c_fc.weight', 'mlp.c_fc.bias', 'mlp.c_proj.weight', 'mlp.c_proj.bias'];

/** The fused decode's table of parameter offsets, in vec4s: wte, wpe, ln_f weight and bias, the output matrix, then each layer's tensors. */
export function decodeModelOffsets(layout: ParamLayout): Uint32Array {
  const config = layout.config;
  const names = ['transformer.wte.weight', 'transformer.wpe.weight', 'transformer.ln_f.weight', 'transformer.ln_f.bias', outputWeightName(config)];
  for (let l = 0; l < config.nLayers; l++) for (const n of DECODE_LAYER_NAMES) names.push(`${layerPrefix(l)}.${n}`);
  if (names.length !== DECODE_TOP_PARAMS + DECODE_LAYER_PARAMS * config.nLayers) throw new Error('decodeModelOffsets: the table does not match the shader');
  return Uint32Array.from(names, (n) => {
    const offset = entry(layout, n).offset;
    if (offset % 4 !== 0) throw new Error(`decodeModelOffsets: ${n} starts at element ${offset}, not on a vec4`);
    return offset / 4;
  });
}
