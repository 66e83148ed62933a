import { describe, expect, it } from 'vitest';
import { expectClose, randn, randu, testContext } from '../testing/gpu';
import { Rng } from '../util/rng';
import { presetConfig } from './config';
import { GptModel } from './gpt';
import { buildLayout, initParams } from './params';
import { type BackwardSource, referenceBackward, referenceForward } from './reference';

const config = presetConfig('tiny', 13, 16);
const layout = buildLayout(config);
const B = 3, T = 9, N = B * T;
// GPT-2's init leaves the logits nearly uniform; perturbing it makes every comparison sharper.
const noise = randn(layout.totalSize, 21, 0.08);
const params = initParams(layout, 5).map((x, i) => x + noise[i]);
const rng = new Rng(17);
const tokens = Array.from({ length: N }, () => rng.int(config.vocabSize));

/** Compares flat gradients tensor by tensor, relative to each tensor's largest entry. */
function expectGradsClose(actual: Float32Array, expected: Float32Array, rtol: number) {
  for (const e of layout.entries) {
    const exp = expected.subarray(e.offset, e.offset + e.size);
    const scale = exp.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    expect(scale, `${e.name} carries gradient`).toBeGreaterThan(0);
    expectClose(actual.subarray(e.offset, e.offset + e.size), exp, { atol: rtol * scale, rtol, what: e.name });
  }
}

describe('GptModel (GPU) against the reference model', () => {
  it('forward: logits and per-token statistics', async () => {
    const ctx = await testContext();
    const model = new GptModel(ctx, config, { maxBatch: 4, maxTime: 12, params });
    const ref = referenceForward(layout, params, tokens, B, T, { temperature: 0.8 });
    const out = model.forward(tokens, B, T, { temperature: 0.8 });
    const [logits, logp, entropy, vmean] = await ctx.readMany([out.logits, out.logp, out.entropy, out.vmean]);
    expectClose(logits, ref.logits, { atol: 1e-4, rtol: 1e-3, what: 'logits' });
    expectClose(logp, ref.logp, { atol: 1e-4, rtol: 1e-3, what: 'logp' });
    expectClose(entropy, ref.entropy, { atol: 1e-4, rtol: 1e-3, what: 'entropy' });
    expectClose(vmean, ref.vmean, { atol: 1e-4, rtol: 1e-3, what: 'vmean' });
    model.dispose();
  });

  const sources: [string, BackwardSource][] = [
    ['per-token statistics', { dlogp: randu(N, 1), dentropy: randu(N, 2), dvmean: randu(N, 3) }],
    ['masked cross-entropy', { crossEntropyMask: Float32Array.from({ length: N }, (_, n) => (n % T > 1 ? 1 : 0)) }],
  ];
  it.each(sources)('backward from %s: every gradient, accumulated', async (_, source) => {
    const ctx = await testContext();
    const model = new GptModel(ctx, config, { maxBatch: 4, maxTime: 12, params });
    const ref = referenceBackward(layout, params, referenceForward(layout, params, tokens, B, T, { temperature: 0.8 }), source);
    model.zeroGrad();
    model.forward(tokens, B, T, { temperature: 0.8 });
    const { losses } = model.backward(source);
    const once = await model.readGrads();
    expectGradsClose(once, ref.grads, 1e-3);
    if ('crossEntropyMask' in source) {
      const l = Array.from(await ctx.read(losses!));
      const maskSum = Array.from(source.crossEntropyMask).reduce((a, b) => a + b, 0);
      expect(l.reduce((a, b) => a + b, 0) / maskSum).toBeCloseTo(ref.loss!, 4);
    }
    // A second pass adds the same gradients again (up to the rounding of the sums).
    model.forward(tokens, B, T, { temperature: 0.8 });
    model.backward(source);
    expectGradsClose(await model.readGrads(), once.map((x) => 2 * x), 1e-5);
    // Deterministic: the same work from zero gives the same bits.
    model.zeroGrad();
    model.forward(tokens, B, T, { temperature: 0.8 });
    model.backward(source);
    expect(await model.readGrads()).toEqual(once);
    model.dispose();
  });
});

describe('GptModel: layer norms in the residual products\' epilogues', () => {
  it("'epilogue' gives 'stored''s forward and gradients bit for bit, in 2 dispatches fewer per layer and one with the embedding", async () => {
    const ctx = await testContext();
    // 4 × 9 = 36 rows: the vec4 products, whose epilogue can normalise (C = 32).
    const [B4, T4] = [4, 9];
    const toks = Array.from({ length: B4 * T4 }, (_, i) => tokens[i % N]);
    const source = { dlogp: randu(B4 * T4, 4), dentropy: randu(B4 * T4, 5), dvmean: randu(B4 * T4, 6) };
    const run = async (norms: 'stored' | 'epilogue') => {
      const model = new GptModel(ctx, config, { maxBatch: 4, maxTime: 12, params, norms });
      model.zeroGrad();
      const before = ctx.stats().dispatches;
      const out = model.forward(toks, B4, T4, { temperature: 0.8 });
      const dispatches = ctx.stats().dispatches - before;
      const stats = (await ctx.readMany([out.logits, out.logp, out.entropy, out.vmean])) as Float32Array[];
      model.backward(source);
      const grads = await model.readGrads();
      model.dispose();
      return { stats, grads, dispatches };
    };
    const stored = await run('stored');
    const epilogue = await run('epilogue');
    for (let k = 0; k < 4; k++) expect(epilogue.stats[k]).toEqual(stored.stats[k]);
    expect(epilogue.grads).toEqual(stored.grads);
    // Each block's two norms in its products' epilogues, and the first ln_1 with the embedding.
    expect(stored.dispatches - epilogue.dispatches).toBe(2 * config.nLayers + 1);
    expect(() => new GptModel(ctx, config, { maxBatch: 1, norms: 'folded' })).toThrow(/folded/);
  });
});

describe('GptModel training', () => {
  it('a steady step allocates nothing and takes few submissions', async () => {
    const ctx = await testContext();
    const model = new GptModel(ctx, config, { maxBatch: 4, maxTime: 12, seed: 1 });
    const mask = new Float32Array(N).fill(1);
    const step = async () => {
      model.zeroGrad();
      model.forward(tokens, B, T);
      const { losses } = model.backward({ crossEntropyMask: mask });
      model.step();
      return ctx.read(losses!);
    };
    await step();
    const before = ctx.stats();
    await step();
    const after = ctx.stats();
    expect(after.pool.created).toBe(before.pool.created);
    expect(after.pool.live).toBe(before.pool.live);
    expect(after.bindGroupsCreated).toBe(before.bindGroupsCreated);
    expect(after.stagingBuffers).toBe(before.stagingBuffers);
    // Uploads of tokens, targets and mask each flush what came before; the read submits the rest.
    expect(after.submits - before.submits).toBeLessThanOrEqual(4);
    model.dispose();
  });

  it('pretraining loss goes down', async () => {
    const ctx = await testContext();
    const model = new GptModel(ctx, config, { maxBatch: 4, maxTime: 12, seed: 2 });
    // Three counting sequences the model can learn to continue.
    const seq = Array.from({ length: N }, (_, n) => 3 + ((Math.floor(n / T) * 2 + (n % T)) % 10));
    const mask = new Float32Array(N).map((_, n) => (n % T === T - 1 ? 0 : 1));
    const maskSum = mask.reduce((a, b) => a + b, 0);
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) {
      model.zeroGrad();
      model.forward(seq, B, T);
      const { losses: l } = model.backward({ crossEntropyMask: mask });
      model.step({ lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0, maxGradNorm: 1 });
      if (i === 0 || i === 29) losses.push(Array.from(await ctx.read(l!)).reduce((a, b) => a + b, 0) / maskSum);
    }
    expect(losses[0]).toBeGreaterThan(2);
    expect(losses[1]).toBeLessThan(losses[0] * 0.5);
    expect(await model.gradNorm()).toBeGreaterThan(0);
    expect(() => model.forward(seq.map((x) => x + 10), B, T)).toThrow(/tokens\[\d+\] = 1\d is not a token id below 13/);
    model.dispose();
  });
});
