// The model itself, checked by a second implementation. "GPU equals the
// reference" and the finite-difference checks would both pass if the
// reference GPT were the wrong architecture; here a GPT-2 forward pass written
// separately with TensorFlow.js's CPU backend, straight from the safetensors
// file's named tensors (nn.Linear layout: weight [out, in]), must give the
// reference's logits on shipped checkpoints.

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors } from './checkpoint';
import { readFileBuffer } from './checkpoint-node';
import { readCheckpoint } from './checkpoint';
import { referenceForward } from './reference';
import { expectClose } from '../testing/gpu';
import { getTask, resolveConfig } from '../tasks/registry';
import { BOS, CharTokenizer, PAD } from '../tasks/tokenizer';
import type { TaskName } from '../tasks/types';

interface Dims {
  C: number;
  H: number;
  L: number;
  tied: boolean;
}

/** GPT-2 forward (pre-norm blocks, tanh GELU, causal softmax attention) → logits [B, T, V]. */
function tfjsLogits(tensors: Map<string, tf.Tensor>, dims: Dims, tokens: number[][]): Float32Array {
  return tf.tidy(() => {
    const w = (name: string) => {
      const t = tensors.get(name);
      if (!t) throw new Error(`no tensor ${name}`);
      return t;
    };
    const B = tokens.length, T = tokens[0].length, { C, H } = dims, hs = C / H;
    const layerNorm = (x: tf.Tensor, prefix: string) => {
      const { mean, variance } = tf.moments(x, -1, true);
      return x.sub(mean).div(variance.add(1e-5).sqrt()).mul(w(`${prefix}.weight`)).add(w(`${prefix}.bias`));
    };
    const linear = (x: tf.Tensor, prefix: string) => tf.matMul(x.reshape([-1, x.shape[x.shape.length - 1]!]), w(`${prefix}.weight`), false, true).add(w(`${prefix}.bias`)).reshape([B, T, -1]);
    const gelu = (x: tf.Tensor) => x.mul(0.5).mul(tf.tanh(x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI))).add(1));
    const ids = tf.tensor2d(tokens, [B, T], 'int32');
    const positions = tf.range(0, T, 1, 'int32');
    let x = tf.gather(w('transformer.wte.weight'), ids).add(tf.gather(w('transformer.wpe.weight'), positions));
    const causal = tf.linalg.bandPart(tf.ones([T, T]), -1, 0);
    const blocked = tf.ones([T, T]).sub(causal).mul(-1e9);
    for (let l = 0; l < dims.L; l++) {
      const p = `transformer.h.${l}`;
      const qkv = linear(layerNorm(x, `${p}.ln_1`), `${p}.attn.c_attn`);
      const [q, k, v] = tf.split(qkv, 3, -1).map((t) => t.reshape([B, T, H, hs]).transpose([0, 2, 1, 3]));
      const scores = tf.matMul(q, k, false, true).div(Math.sqrt(hs)).add(blocked);
      const y = tf.matMul(tf.softmax(scores, -1), v).transpose([0, 2, 1, 3]).reshape([B, T, C]);
      x = x.add(linear(y, `${p}.attn.c_proj`));
      const h = gelu(linear(layerNorm(x, `${p}.ln_2`), `${p}.mlp.c_fc`));
      x = x.add(linear(h, `${p}.mlp.c_proj`));
    }
    const out = layerNorm(x, 'transformer.ln_f').reshape([B * T, C]);
    const head = dims.tied ? w('transformer.wte.weight') : w('lm_head.weight');
    return tf.matMul(out, head, false, true).dataSync() as Float32Array;
  });
}

describe('the reference GPT against an independent TensorFlow.js implementation', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(['countdown-tiny', 'paths-small', 'tree-tiny'])('%s: the same logits at every position', async (name) => {
    const buffer = await readFileBuffer(`public/checkpoints/${name}.safetensors`);
    const file = decodeSafetensors(buffer);
    const checkpoint = readCheckpoint(buffer);
    const { config } = checkpoint.meta;
    const tensors = new Map<string, tf.Tensor>();
    for (const [tensorName, t] of file.tensors) tensors.set(tensorName, tf.tensor(new Float32Array(t.bytes), t.shape));
    // Real prompts of the task, cut to a common length, plus one completion-like tail of random tokens.
    const task = getTask(checkpoint.meta.task as TaskName);
    const taskConfig = resolveConfig(task, checkpoint.meta.taskConfig as never);
    const tokenizer = new CharTokenizer(checkpoint.meta.alphabet);
    const prompts = [0, 1, 2].map((i) => tokenizer.encodePrompt(task.promptText(task.generate(taskConfig, 'train', 4, i))));
    const T = Math.min(config.contextLength, Math.max(...prompts.map((p) => p.length)) + 5);
    const rows = prompts.map((p, r) => Array.from({ length: T }, (_, t) => (t < p.length ? p[t] : 3 + ((r * 7 + t * 5) % (config.vocabSize - 3)))));
    const expected = tfjsLogits(tensors, { C: config.dModel, H: config.nHeads, L: config.nLayers, tied: config.tieEmbeddings }, rows);
    const ours = referenceForward(checkpoint.layout, checkpoint.params, rows.flat(), rows.length, T);
    expect(ours.logits.length).toBe(rows.length * T * config.vocabSize);
    // PAD and BOS are outside the policy (the output carries a −1e30 bias there); every other logit must agree.
    const V = config.vocabSize;
    const sampleable = (x: Float32Array) => x.filter((_, i) => i % V !== PAD && i % V !== BOS);
    expectClose(sampleable(ours.logits), sampleable(expected), { atol: 2e-4, rtol: 2e-4, what: `${name} logits` });
    for (let i = 0; i < ours.logits.length; i++) if (i % V === PAD || i % V === BOS) expect(ours.logits[i]).toBeLessThan(-1e29);
    // The logits are not degenerate: positions differ, so a wrong mask or position table could not pass.
    const real = sampleable(ours.logits);
    const spread = Math.max(...real) - Math.min(...real);
    expect(spread).toBeGreaterThan(1);
    for (const t of tensors.values()) t.dispose();
  });
});
