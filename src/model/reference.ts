// The policy in plain TypeScript, composed from the kernel references. It is
// slow and allocates freely; it exists so that the GPU model (gpt.ts) can be
// held to it, and so that its backward pass can be checked against finite
// differences of its forward pass.
//
// Legend: B batch, T time, C channels, V vocab, H heads, L layers, N = B·T rows.
// Position t's outputs score targets[t], by default the next token.

import { attentionBackwardRef, attentionForwardRef } from '../gpu/reference/attention';
import { addRef, geluBackwardRef, geluRef } from '../gpu/reference/elementwise';
import { embeddingBackwardRef, embeddingForwardRef } from '../gpu/reference/embedding';
import { layernormBackwardRef, layernormForwardRef } from '../gpu/reference/layernorm';
import { crossEntropyRef, logitStatsBackwardRef, logitStatsRef } from '../gpu/reference/logits';
import { columnSumRef, matmulRef } from '../gpu/reference/matmul';
import { PAD } from '../tasks/tokenizer';
import { policyLogitBias } from './block';
import { type ParamLayout, entry, layerPrefix, outputWeightName } from './params';

/** Parameters or gradients in the flat layout. */
export type FlatArray = Float32Array | Float64Array;

export interface LayerActivations {
  /** The block's input (the residual stream before it). */
  residual: Float32Array;
  ln1: Float32Array;
  ln1Mean: Float32Array;
  ln1Rstd: Float32Array;
  /** [N, 3C] = [q | k | v] per row. */
  qkv: Float32Array;
  /** [B, H, T, T] softmax probabilities. */
  att: Float32Array;
  atty: Float32Array;
  /** residual + attention projection. */
  residual2: Float32Array;
  ln2: Float32Array;
  ln2Mean: Float32Array;
  ln2Rstd: Float32Array;
  /** [N, 4C] before and after GELU. */
  fch: Float32Array;
  fchGelu: Float32Array;
}

export interface ReferenceForward {
  B: number;
  T: number;
  tokens: Uint32Array;
  targets: Uint32Array;
  temperature: number;
  layers: LayerActivations[];
  /** The residual stream after the last block. */
  residualOut: Float32Array;
  lnf: Float32Array;
  lnfMean: Float32Array;
  lnfRstd: Float32Array;
  /** [N, V]. */
  logits: Float32Array;
  /** [N] log π(targets[n]) at temperature τ. */
  logp: Float32Array;
  /** [N] entropy of π at temperature τ. */
  entropy: Float32Array;
  /** [N] (1/V) Σ_a log π(a) at temperature τ. */
  vmean: Float32Array;
}

/** Where the backward pass starts: per-token gradients of the statistics, or masked mean cross-entropy (at τ = 1). */
export type BackwardSource = { dlogp?: ArrayLike<number>; dentropy?: ArrayLike<number>; dvmean?: ArrayLike<number> } | { crossEntropyMask: ArrayLike<number> };

export interface ForwardOptions {
  temperature?: number;
  /** [B·T] token scored at each position; default: the next token, PAD after the last. */
  targets?: ArrayLike<number>;
  /** Tokens the policy may not emit, beside PAD and BOS (as GptModelOptions.excludedTokens). */
  excludedTokens?: readonly number[];
}

/** targets[b, t] = tokens[b, t+1], and PAD at the last position of each row. */
export function nextTokenTargets(tokens: ArrayLike<number>, B: number, T: number): Uint32Array {
  const targets = new Uint32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t + 1 < T; t++) targets[b * T + t] = tokens[b * T + t + 1];
    targets[b * T + T - 1] = PAD;
  }
  return targets;
}

export function referenceForward(layout: ParamLayout, params: FlatArray, tokens: ArrayLike<number>, B: number, T: number, opts: ForwardOptions = {}): ReferenceForward {
  const { vocabSize: V, dModel: C, nHeads: H, nLayers: L, contextLength } = layout.config;
  if (T > contextLength) throw new Error(`referenceForward: T=${T} exceeds the context length ${contextLength}`);
  if (tokens.length !== B * T) throw new Error(`referenceForward: ${tokens.length} tokens for B=${B} T=${T}`);
  const N = B * T;
  const p = (name: string) => view(layout, params, name);
  const temperature = opts.temperature ?? 1;
  const tok = Uint32Array.from(tokens);
  const targets = opts.targets ? Uint32Array.from(opts.targets) : nextTokenTargets(tok, B, T);

  let residual = embeddingForwardRef(tok, p('transformer.wte.weight'), p('transformer.wpe.weight'), B, T, C);
  const layers: LayerActivations[] = [];
  for (let l = 0; l < L; l++) {
    const pre = layerPrefix(l);
    const n1 = layernormForwardRef(residual, p(`${pre}.ln_1.weight`), p(`${pre}.ln_1.bias`), N, C);
    const qkv = matmulRef(n1.out, p(`${pre}.attn.c_attn.weight`), N, C, 3 * C, 'nt', p(`${pre}.attn.c_attn.bias`));
    const { out: atty, att } = attentionForwardRef(qkv, B, T, C, H);
    const residual2 = matmulRef(atty, p(`${pre}.attn.c_proj.weight`), N, C, C, 'nt', p(`${pre}.attn.c_proj.bias`), residual);
    const n2 = layernormForwardRef(residual2, p(`${pre}.ln_2.weight`), p(`${pre}.ln_2.bias`), N, C);
    const fch = matmulRef(n2.out, p(`${pre}.mlp.c_fc.weight`), N, C, 4 * C, 'nt', p(`${pre}.mlp.c_fc.bias`));
    const fchGelu = geluRef(fch);
    const residual3 = matmulRef(fchGelu, p(`${pre}.mlp.c_proj.weight`), N, 4 * C, C, 'nt', p(`${pre}.mlp.c_proj.bias`), residual2);
    layers.push({ residual, ln1: n1.out, ln1Mean: n1.mean, ln1Rstd: n1.rstd, qkv, att, atty, residual2, ln2: n2.out, ln2Mean: n2.mean, ln2Rstd: n2.rstd, fch, fchGelu });
    residual = residual3;
  }
  const nf = layernormForwardRef(residual, p('transformer.ln_f.weight'), p('transformer.ln_f.bias'), N, C);
  const logits = matmulRef(nf.out, p(outputWeightName(layout.config)), N, C, V, 'nt', policyLogitBias(V, opts.excludedTokens));
  const { logp, entropy, vmean } = logitStatsRef(logits, targets, N, V, temperature);
  return { B, T, tokens: tok, targets, temperature, layers, residualOut: residual, lnf: nf.out, lnfMean: nf.mean, lnfRstd: nf.rstd, logits, logp, entropy, vmean };
}

/**
 * Gradients of Σ_n (dlogp·logp + dentropy·entropy + dvmean·vmean), or of the
 * masked mean cross-entropy Σ mask·(−logp) / Σ mask, with respect to every
 * parameter, in the flat layout. `loss` is that mean when it was the source.
 */
export function referenceBackward(layout: ParamLayout, params: FlatArray, fwd: ReferenceForward, source: BackwardSource): { grads: Float32Array; loss?: number } {
  const { vocabSize: V, dModel: C, nHeads: H, nLayers: L } = layout.config;
  const { B, T } = fwd;
  const N = B * T;
  const p = (name: string) => view(layout, params, name);
  const grads = new Float32Array(layout.totalSize);
  const g = (name: string) => view(layout, grads, name);
  const addInto = (name: string, d: ArrayLike<number>) => {
    const dst = g(name);
    for (let i = 0; i < dst.length; i++) dst[i] += d[i];
  };

  let dlogits: Float32Array;
  let loss: number | undefined;
  if ('crossEntropyMask' in source) {
    const ce = crossEntropyRef(fwd.logits, fwd.targets, source.crossEntropyMask, N, V);
    dlogits = ce.dlogits;
    loss = ce.loss;
  } else {
    dlogits = logitStatsBackwardRef(fwd.logits, fwd.targets, N, V, fwd.temperature, source.dlogp, source.dentropy, source.dvmean);
  }

  // Output projection: logits = lnf · Woutᵀ.
  const outName = outputWeightName(layout.config);
  addInto(outName, matmulRef(dlogits, fwd.lnf, V, N, C, 'tn'));
  const dlnf = matmulRef(dlogits, p(outName), N, V, C, 'nn');
  const nf = layernormBackwardRef(dlnf, fwd.residualOut, p('transformer.ln_f.weight'), fwd.lnfMean, fwd.lnfRstd, N, C);
  addInto('transformer.ln_f.weight', nf.dw);
  addInto('transformer.ln_f.bias', nf.db);
  let dresidual = nf.dx;

  for (let l = L - 1; l >= 0; l--) {
    const pre = layerPrefix(l);
    const a = fwd.layers[l];
    // MLP: residual3 = residual2 + gelu(ln2 · Wfcᵀ + bfc) · Wprojᵀ + bproj.
    const dfchGelu = linearBackward(dresidual, a.fchGelu, p(`${pre}.mlp.c_proj.weight`), N, 4 * C, C, addInto, `${pre}.mlp.c_proj`);
    const dfch = geluBackwardRef(a.fch, dfchGelu);
    const dln2 = linearBackward(dfch, a.ln2, p(`${pre}.mlp.c_fc.weight`), N, C, 4 * C, addInto, `${pre}.mlp.c_fc`);
    const n2 = layernormBackwardRef(dln2, a.residual2, p(`${pre}.ln_2.weight`), a.ln2Mean, a.ln2Rstd, N, C);
    addInto(`${pre}.ln_2.weight`, n2.dw);
    addInto(`${pre}.ln_2.bias`, n2.db);
    const dresidual2 = addRef(dresidual, n2.dx);
    // Attention: residual2 = residual + attention(ln1 · Wattnᵀ + battn) · Wprojᵀ + bproj.
    const datty = linearBackward(dresidual2, a.atty, p(`${pre}.attn.c_proj.weight`), N, C, C, addInto, `${pre}.attn.c_proj`);
    const dqkv = attentionBackwardRef(datty, a.qkv, a.att, B, T, C, H);
    const dln1 = linearBackward(dqkv, a.ln1, p(`${pre}.attn.c_attn.weight`), N, C, 3 * C, addInto, `${pre}.attn.c_attn`);
    const n1 = layernormBackwardRef(dln1, a.residual, p(`${pre}.ln_1.weight`), a.ln1Mean, a.ln1Rstd, N, C);
    addInto(`${pre}.ln_1.weight`, n1.dw);
    addInto(`${pre}.ln_1.bias`, n1.db);
    dresidual = addRef(dresidual2, n1.dx);
  }

  const emb = embeddingBackwardRef(dresidual, fwd.tokens, B, T, C, V, layout.config.contextLength);
  addInto('transformer.wte.weight', emb.dwte);
  addInto('transformer.wpe.weight', emb.dwpe);
  return loss === undefined ? { grads } : { grads, loss };
}

/** Backward of y[N, out] = x[N, in] · Wᵀ + b: accumulates dW and db, returns dx. */
function linearBackward(
  dy: ArrayLike<number>,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  N: number,
  inDim: number,
  outDim: number,
  addInto: (name: string, d: ArrayLike<number>) => void,
  name: string,
): Float32Array {
  addInto(`${name}.weight`, matmulRef(dy, x, outDim, N, inDim, 'tn'));
  addInto(`${name}.bias`, columnSumRef(dy, N, outDim));
  return matmulRef(dy, w, N, outDim, inDim, 'nn');
}

function view<A extends FlatArray>(layout: ParamLayout, flat: A, name: string): A {
  const e = entry(layout, name);
  return flat.subarray(e.offset, e.offset + e.size) as A;
}
