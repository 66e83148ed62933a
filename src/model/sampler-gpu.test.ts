// The sampler's GPU outputs: π_old's statistics equal GptModel.forward's on the
// sampled tokens bit for bit, the whole batch comes back in one readback, and
// the same seed gives the same batch.

import { describe, expect, it } from 'vitest';
import { type GpuContext, SUBMIT_EVERY } from '../gpu/context';
import { randn, testContext } from '../testing/gpu';
import { BOS } from '../tasks/tokenizer';
import { type ModelConfig, presetConfig } from './config';
import { GptModel } from './gpt';
import { buildLayout, initParams } from './params';
import { nextTokenTargets } from './reference';
import { NORM_MODES, type NormMode } from './block';
import { type SampleRequest, Sampler, decodeSteps } from './sampler';

const CONFIGS: [string, ModelConfig][] = [
  ['tiny', presetConfig('tiny', 9, 20)],
  // Nothing a multiple of 4: scalar attention (head size 7), general matmul and layernorm paths.
  ['awkward', { vocabSize: 11, contextLength: 19, dModel: 21, nLayers: 2, nHeads: 3, tieEmbeddings: false }],
];

const prompts = [[BOS, 3, 4, 5, 6], [BOS, 7, 5], [BOS, 8, 3, 3]];
const G = 3;
const MAX_ROWS = 12;
const request: SampleRequest = { prompts, groupSize: G, maxNewTokens: 9, temperature: 0.8, topK: 0, seed: 99, step: 3 };
// Row counts that send the prefill, the decode steps and the training forward down the same or different matmul paths (vec4 needs M % 4 = 0).
const SHAPES: [string, SampleRequest][] = [
  ['9 rows, prefix 2', request],
  ['12 rows, prefix 4', { ...request, prompts: [[BOS, 3, 4, 5, 6], [BOS, 7, 5, 4, 4, 3], [BOS, 8, 3, 3, 6], [BOS, 5, 5, 5, 5]] }],
  // Top-k truncates only the draw: π_old's statistics stay those of the untruncated policy.
  ['9 rows, prefix 4, top-k 3', { ...request, prompts: [[BOS, 3, 4, 5, 6], [BOS, 7, 5, 4, 4], [BOS, 8, 3, 3, 6, 7]], maxNewTokens: 6, topK: 3 }],
];

function perturbedParams(config: ModelConfig, seed: number): Float32Array {
  const layout = buildLayout(config);
  const noise = randn(layout.totalSize, seed, 0.15);
  return initParams(layout, seed).map((x, i) => x + noise[i]);
}

async function setup(config: ModelConfig, seed = 8, norms?: NormMode) {
  const ctx = await testContext();
  const model = new GptModel(ctx, config, { maxBatch: MAX_ROWS, maxTime: config.contextLength, params: perturbedParams(config, seed) });
  return { ctx, model, sampler: new Sampler(model, MAX_ROWS, { norms }) };
}

/** Counts readMany calls (each one a GPU→CPU round trip) from now on. */
function countReadbacks(ctx: GpuContext): { readonly n: number; restore: () => void } {
  const original = ctx.readMany;
  const counter = { n: 0, restore: () => (ctx.readMany = original) };
  ctx.readMany = (ts) => {
    counter.n++;
    return original.call(ctx, ts);
  };
  return counter;
}

function bitsOf(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

describe.each(CONFIGS)('Sampler on the GPU (%s)', (_, config) => {
  // Both ways of recording the layer norms, whichever this adapter picks (the folded products apply where rows and widths are multiples of 4).
  it.each(NORM_MODES.flatMap((norms) => SHAPES.map(([name, shape]) => [`${name}, norms ${norms}`, shape, norms] as const)))('leaves π_old on the GPU equal, bit for bit, to GptModel.forward on the sampled tokens (%s)', async (_, shape, norms) => {
    const { ctx, model, sampler } = await setup(config, 8, norms);
    for (const temperature of [1, 0.7]) {
      const s = await sampler.sample({ ...shape, temperature });
      const { R, T } = s;
      const [tokens, targets, mask, logp, entropy, vmean] = await ctx.readMany([s.gpu.tokens, s.gpu.targets, s.gpu.mask, s.gpu.logp, s.gpu.entropy, s.gpu.vmean]);
      expect(tokens).toEqual(s.tokens);
      expect(mask).toEqual(s.mask);
      expect(targets).toEqual(nextTokenTargets(s.tokens, R, T));
      const out = model.forward(s.tokens, R, T, { temperature });
      const [fLogp, fEntropy, fVmean] = (await ctx.readMany([out.logp, out.entropy, out.vmean])) as Float32Array[];
      let masked = 0, undecoded = 0;
      const steps = decodeSteps(s.promptLengths, T, shape.maxNewTokens);
      for (let r = 0; r < R; r++) {
        // Every position prefilled or decoded (prompt positions included) is the forward's; after the
        // row's last decode step (past its budget, or the last column) the statistics stay 0.
        const last = Math.min(s.promptLengths[r] - 2 + steps, T - 2);
        for (let t = 0; t < T; t++) {
          const i = r * T + t;
          if (s.mask[i]) masked++;
          if (t > last) {
            undecoded++;
            expect(s.mask[i]).toBe(0);
            expect([logp[i], entropy[i], vmean[i]]).toEqual([0, 0, 0]);
            continue;
          }
          expect(bitsOf(logp as Float32Array)[i], `logp[${r}, ${t}] ${logp[i]} vs ${fLogp[i]}`).toBe(bitsOf(fLogp)[i]);
          expect(bitsOf(entropy as Float32Array)[i], `entropy[${r}, ${t}] ${entropy[i]} vs ${fEntropy[i]}`).toBe(bitsOf(fEntropy)[i]);
          expect(bitsOf(vmean as Float32Array)[i], `vmean[${r}, ${t}] ${vmean[i]} vs ${fVmean[i]}`).toBe(bitsOf(fVmean)[i]);
        }
      }
      expect(masked).toBeGreaterThan(R);
      expect(undecoded).toBeGreaterThanOrEqual(R);
      // Hence GRPO's ratio exp(logp − logp_old) is exactly 1 at θ = θ_old.
      for (let i = 0; i < R * T; i++) if (s.mask[i]) expect(Math.exp(fLogp[i] - logp[i])).toBe(1);
      // The sampling kernel's own log-prob (exp from a table, for bit-exact sampling) agrees with π_old where there is no top-k.
      for (let i = 0; i < R * T; i++) {
        if (!s.mask[i]) continue;
        if (!shape.topK) expect(Math.abs(s.logp[i] - logp[i])).toBeLessThan(1e-4);
        else expect(s.logp[i]).toBeGreaterThanOrEqual(logp[i] - 1e-5);
      }
    }
  });

  it('records the whole batch and reads it back once', async () => {
    const { ctx, sampler } = await setup(config);
    await sampler.sample(request);
    const readbacks = countReadbacks(ctx);
    const before = ctx.stats();
    try {
      await sampler.sample(request);
    } finally {
      readbacks.restore();
    }
    expect(readbacks.n).toBe(1);
    // The uploads of the starting arrays, then every position in batches of SUBMIT_EVERY dispatches, with no wait between them.
    const after = ctx.stats();
    expect(after.submits - before.submits).toBeLessThanOrEqual(2 + Math.floor((after.dispatches - before.dispatches) / SUBMIT_EVERY));
  });

  it('gives the same batch from the same seed on the same device, in a fresh sampler too', async () => {
    const a = await setup(config);
    const first = await a.sampler.sample(request);
    const firstStats = await a.ctx.readMany([first.gpu.logp, first.gpu.entropy, first.gpu.vmean]);
    const b = await setup(config);
    const second = await b.sampler.sample(request);
    expect(second.tokens).toEqual(first.tokens);
    expect(bitsOf(second.logp)).toEqual(bitsOf(first.logp));
    expect(second.completionLengths).toEqual(first.completionLengths);
    expect(second.endedWithEos).toEqual(first.endedWithEos);
    const secondStats = await b.ctx.readMany([second.gpu.logp, second.gpu.entropy, second.gpu.vmean]);
    for (let k = 0; k < 3; k++) expect(bitsOf(secondStats[k] as Float32Array)).toEqual(bitsOf(firstStats[k] as Float32Array));
  });

  it('frees everything on dispose, including activations grown for a longer prefill', async () => {
    const ctx = await testContext();
    const model = new GptModel(ctx, config, { maxBatch: MAX_ROWS, maxTime: config.contextLength, params: perturbedParams(config, 8) });
    await ctx.sync();
    const before = ctx.stats().pool.live;
    const sampler = new Sampler(model, MAX_ROWS);
    await sampler.sample(SHAPES[0][1]);
    await sampler.sample(SHAPES[1][1]);
    expect(ctx.stats().pool.live).toBeGreaterThan(before);
    sampler.dispose();
    expect(ctx.stats().pool.live).toBe(before);
    model.dispose();
  });
});

describe('Sampler: layer norms folded into the products or their epilogues', () => {
  it.each(['folded', 'epilogue'] as const)('%s: saves two dispatches per block (epilogue: and one with the embedding) in the prefill and in every decode step, for the same batch', async (mode) => {
    const config = CONFIGS[0][1];
    const ctx = await testContext();
    const model = new GptModel(ctx, config, { maxBatch: MAX_ROWS, maxTime: config.contextLength, params: perturbedParams(config, 5) });
    const shape = SHAPES[1][1]; // 12 rows: the vec4 products, so every block's two norms fold
    const run = async (norms: NormMode) => {
      const sampler = new Sampler(model, MAX_ROWS, { norms, fusedBlocks: false });
      const before = ctx.stats().dispatches;
      const s = await sampler.sample(shape);
      const n = ctx.stats().dispatches - before;
      sampler.dispose();
      return { s, n };
    };
    const stored = await run('stored');
    const other = await run(mode);
    expect(other.s.tokens).toEqual(stored.s.tokens);
    expect(bitsOf(other.s.logp)).toEqual(bitsOf(stored.s.logp));
    const steps = decodeSteps(stored.s.promptLengths, stored.s.T, shape.maxNewTokens);
    // Folded, the output head (vocabulary 9, not a multiple of 4) keeps its layer norm apart; as epilogues, the first ln_1 is recorded with the embedding.
    expect(stored.n - other.n).toBe((steps + 1) * (2 * config.nLayers + (mode === 'epilogue' ? 1 : 0)));
    model.dispose();
  });
});


describe('Sampler: a decode step with a dispatch per block (decodeBlock)', () => {
  it('gives the batch and π_old of a dispatch per kernel bit for bit, with four dispatches fewer per block and decode step', async () => {
    const config = CONFIGS[0][1];
    const ctx = await testContext();
    const model = new GptModel(ctx, config, { maxBatch: MAX_ROWS, maxTime: config.contextLength, params: perturbedParams(config, 6) });
    const shape = SHAPES[1][1]; // 12 rows, head size 8: decodeBlock applies
    const run = async (fusedBlocks: boolean) => {
      const sampler = new Sampler(model, MAX_ROWS, { norms: 'epilogue', fusedBlocks });
      const before = ctx.stats().dispatches;
      const s = await sampler.sample(shape);
      const n = ctx.stats().dispatches - before;
      const pi = (await ctx.readMany([s.gpu.logp, s.gpu.entropy, s.gpu.vmean])) as Float32Array[];
      sampler.dispose();
      return { s, n, pi };
    };
    const apart = await run(false);
    const fused = await run(true);
    expect(fused.s.tokens).toEqual(apart.s.tokens);
    expect(bitsOf(fused.s.logp)).toEqual(bitsOf(apart.s.logp));
    fused.pi.forEach((a, i) => expect(bitsOf(a)).toEqual(bitsOf(apart.pi[i])));
    const steps = decodeSteps(apart.s.promptLengths, apart.s.T, shape.maxNewTokens);
    expect(apart.n - fused.n).toBe(steps * 4 * config.nLayers);
    model.dispose();
  });
});
