// Every parameter lives in one flat float32 array (one GPU buffer), llm.c
// style; named tensors are views into it. Gradients and both AdamW moments use
// the same layout, so the optimizer is one dispatch over the whole array.
//
// Order matters: tensors that take weight decay (embeddings and 2-D matrices)
// come first, so AdamW decays exactly the elements [0, decayCount). Every view
// starts on a multiple of 64 elements because storage-buffer binding offsets
// must be multiples of 256 bytes; the padding between views stays zero.

import type { Tensor } from '../gpu/tensor';
import { Rng, deriveSeed } from '../util/rng';
import { type ModelConfig, validateConfig } from './config';

export const PARAM_ALIGN = 64;

type Init = { kind: 'normal'; std: number } | { kind: 'ones' } | { kind: 'zeros' };

export interface ParamEntry {
  /** nanoGPT name, e.g. "transformer.h.0.attn.c_attn.weight". */
  name: string;
  /** nn.Linear layout for matrices: [out, in]. */
  shape: readonly number[];
  /** First element in the flat array (a multiple of PARAM_ALIGN). */
  offset: number;
  size: number;
  decay: boolean;
  init: Init;
}

export interface ParamLayout {
  config: ModelConfig;
  entries: readonly ParamEntry[];
  byName: ReadonlyMap<string, ParamEntry>;
  /** Length of the flat array, padding included. */
  totalSize: number;
  /** AdamW decays elements [0, decayCount); everything after is gains and biases. */
  decayCount: number;
}

const INIT_STD = 0.02;

function alignUp(n: number): number {
  return Math.ceil(n / PARAM_ALIGN) * PARAM_ALIGN;
}

export function layerPrefix(layer: number): string {
  return `transformer.h.${layer}`;
}

export function buildLayout(config: ModelConfig): ParamLayout {
  validateConfig(config);
  const { vocabSize: V, contextLength: T, dModel: C, nLayers: L } = config;
  const normal = { kind: 'normal', std: INIT_STD } as const;
  // GPT-2 scales the projections that write into the residual stream so its variance does not grow with depth.
  const residual = { kind: 'normal', std: INIT_STD / Math.sqrt(2 * L) } as const;
  const ones = { kind: 'ones' } as const;
  const zeros = { kind: 'zeros' } as const;

  const decayed: [string, number[], Init][] = [
    ['transformer.wte.weight', [V, C], normal],
    ['transformer.wpe.weight', [T, C], normal],
  ];
  if (!config.tieEmbeddings) decayed.push(['lm_head.weight', [V, C], normal]);
  const plain: [string, number[], Init][] = [];
  for (let l = 0; l < L; l++) {
    const p = layerPrefix(l);
    decayed.push(
      [`${p}.attn.c_attn.weight`, [3 * C, C], normal],
      [`${p}.attn.c_proj.weight`, [C, C], residual],
      [`${p}.mlp.c_fc.weight`, [4 * C, C], normal],
      [`${p}.mlp.c_proj.weight`, [C, 4 * C], residual],
    );
    plain.push(
      [`${p}.ln_1.weight`, [C], ones],
      [`${p}.ln_1.bias`, [C], zeros],
      [`${p}.attn.c_attn.bias`, [3 * C], zeros],
      [`${p}.attn.c_proj.bias`, [C], zeros],
      [`${p}.ln_2.weight`, [C], ones],
      [`${p}.ln_2.bias`, [C], zeros],
      [`${p}.mlp.c_fc.bias`, [4 * C], zeros],
      [`${p}.mlp.c_proj.bias`, [C], zeros],
    );
  }
  plain.push(['transformer.ln_f.weight', [C], ones], ['transformer.ln_f.bias', [C], zeros]);

  const entries: ParamEntry[] = [];
  let offset = 0;
  let decayCount = 0;
  const place = (list: [string, number[], Init][], decay: boolean) => {
    for (const [name, shape, init] of list) {
      const size = shape.reduce((a, b) => a * b, 1);
      entries.push({ name, shape, offset, size, decay, init });
      if (decay) decayCount = offset + size;
      offset = alignUp(offset + size);
    }
  };
  place(decayed, true);
  place(plain, false);
  return { config, entries, byName: new Map(entries.map((e) => [e.name, e])), totalSize: offset, decayCount };
}

export function entry(layout: ParamLayout, name: string): ParamEntry {
  const e = layout.byName.get(name);
  if (!e) throw new Error(`No parameter named "${name}"`);
  return e;
}

/** The [V, C] matrix that turns the final hidden state into logits (the token embedding when tied). */
export function outputWeightName(config: ModelConfig): string {
  return config.tieEmbeddings ? 'transformer.wte.weight' : 'lm_head.weight';
}

/**
 * GPT-2 initialisation, seeded. Each tensor draws from its own stream keyed by
 * its name, so adding or reordering tensors leaves the others unchanged.
 */
export function initParams(layout: ParamLayout, seed: number): Float32Array {
  const flat = new Float32Array(layout.totalSize);
  for (const e of layout.entries) {
    const view = flat.subarray(e.offset, e.offset + e.size);
    if (e.init.kind === 'ones') view.fill(1);
    else if (e.init.kind === 'normal') {
      const rng = new Rng(deriveSeed(seed, e.name), 0);
      for (let i = 0; i < view.length; i++) view[i] = rng.normal() * e.init.std;
    }
  }
  return flat;
}

/** The CPU view of one named tensor in a flat array (shares memory). */
export function cpuView<A extends Float32Array | Float64Array>(flat: A, layout: ParamLayout, name: string): A {
  const e = entry(layout, name);
  return flat.subarray(e.offset, e.offset + e.size) as A;
}

/** GPU views of every named tensor in a flat tensor laid out by `layout`. */
export function gpuViews(flat: Tensor, layout: ParamLayout): Map<string, Tensor> {
  if (flat.size < layout.totalSize) throw new Error(`Flat tensor of ${flat.size} elements is smaller than the layout's ${layout.totalSize}`);
  return new Map(layout.entries.map((e) => [e.name, flat.view(e.shape, e.offset)]));
}
