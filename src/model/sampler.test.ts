import { describe, expect, it } from 'vitest';
import { expectClose, randn, testContext } from '../testing/gpu';
import { BOS, EOS, PAD } from '../tasks/tokenizer';
import { presetConfig } from './config';
import { GptModel } from './gpt';
import { buildLayout, cpuView, initParams, outputWeightName } from './params';
import { type SampleRequest, Sampler } from './sampler';

const config = presetConfig('tiny', 9, 20);
const layout = buildLayout(config);
// A perturbed init gives peaked, position-dependent distributions, so top-k and EOS both matter.
const noise = randn(layout.totalSize, 4, 0.15);
const params = initParams(layout, 8).map((x, i) => x + noise[i]);
const prompts = [[BOS, 3, 4, 5, 6], [BOS, 7], [BOS, 8, 3, 3]];
const G = 3;
const request: SampleRequest = { prompts, groupSize: G, maxNewTokens: 9, temperature: 1, seed: 12345, step: 0 };

async function setup() {
  const ctx = await testContext();
  const model = new GptModel(ctx, config, { maxBatch: prompts.length * G, maxTime: 20, params });
  return { ctx, model, sampler: new Sampler(model, prompts.length * G) };
}

/** log π(token) at temperature τ, in float64; by default over the tokens the sampler may emit (PAD and BOS left out). */
function samplingLogp(logits: ArrayLike<number>, token: number, tau: number, withoutSpecials = true): number {
  let max = -Infinity;
  for (let v = 0; v < logits.length; v++) max = Math.max(max, logits[v] / tau);
  let sum = 0;
  for (let v = 0; v < logits.length; v++) if (!withoutSpecials || (v !== PAD && v !== BOS)) sum += Math.exp(logits[v] / tau - max);
  return logits[token] / tau - max - Math.log(sum);
}

describe('Sampler', () => {
  it('lays out prompts, completions, EOS and padding, per row', async () => {
    const { sampler } = await setup();
    const s = await sampler.sample(request);
    expect(s.R).toBe(9);
    expect(s.T).toBe(5 + 9);
    let sawEos = 0;
    for (let r = 0; r < s.R; r++) {
      const p = prompts[Math.floor(r / G)];
      const row = Array.from(s.tokens.subarray(r * s.T, (r + 1) * s.T));
      expect(row.slice(0, p.length)).toEqual(p);
      expect(s.promptLengths[r]).toBe(p.length);
      const n = s.completionLengths[r];
      expect(n).toBeGreaterThan(0);
      expect(n).toBeLessThanOrEqual(9);
      const completion = row.slice(p.length, p.length + n);
      expect(completion.slice(0, -1).includes(EOS)).toBe(false);
      expect(s.endedWithEos[r]).toBe(completion[n - 1] === EOS ? 1 : 0);
      if (s.endedWithEos[r]) sawEos++;
      else expect(n).toBe(9);
      expect(row.slice(p.length + n).every((t) => t === PAD)).toBe(true);
      for (let t = 0; t < s.T; t++) {
        const inCompletion = t + 1 >= p.length && t + 1 < p.length + n;
        expect(s.mask[r * s.T + t], `mask[${r}, ${t}]`).toBe(inCompletion ? 1 : 0);
        if (inCompletion) expect(s.logp[r * s.T + t]).toBeLessThanOrEqual(0);
        else expect(s.logp[r * s.T + t]).toBe(0);
      }
    }
    expect(sawEos).toBeGreaterThan(0);
  });

  it('is reproducible from the seed, and the seed and step matter', async () => {
    const { sampler } = await setup();
    const a = await sampler.sample(request);
    const b = await sampler.sample(request);
    expect(b.tokens).toEqual(a.tokens);
    expect(b.logp).toEqual(a.logp);
    expect((await sampler.sample({ ...request, seed: 54321 })).tokens).not.toEqual(a.tokens);
    expect((await sampler.sample({ ...request, step: 1 })).tokens).not.toEqual(a.tokens);
    // Rows of one group share the prompt but not the random numbers.
    const row = (r: number) => Array.from(a.tokens.subarray(r * a.T, (r + 1) * a.T));
    expect([row(1), row(2)]).not.toEqual([row(0), row(0)]);
  });

  it('KV-cache log-probs equal the full forward pass at the same temperature, renormalised without PAD and BOS', async () => {
    const { ctx, model, sampler } = await setup();
    const tau = 0.7;
    const s = await sampler.sample({ ...request, temperature: tau });
    const out = model.forward(s.tokens, s.R, s.T, { temperature: tau });
    const logits = await ctx.read(out.logits);
    const V = config.vocabSize;
    const expected = new Float32Array(s.R * s.T);
    for (let i = 0; i < s.R * s.T; i++) {
      if (!s.mask[i]) continue;
      expected[i] = samplingLogp(logits.subarray(i * V, (i + 1) * V), s.tokens[i + 1], tau);
    }
    expectClose(s.logp, expected, { atol: 2e-4, rtol: 1e-3, what: 'logp' });
  });

  it('never emits PAD or BOS, even from a model that strongly prefers them', async () => {
    const ctx = await testContext();
    // ln_f with zero gain outputs its bias everywhere, so logits = W_out · bias: make that favour BOS, then PAD, by a wide margin.
    const favoured = Float32Array.from(params);
    const C = config.dModel;
    cpuView(favoured, layout, 'transformer.ln_f.weight').fill(0);
    const lnBias = cpuView(favoured, layout, 'transformer.ln_f.bias');
    lnBias.fill(1);
    const wOut = cpuView(favoured, layout, outputWeightName(config));
    wOut.fill(0);
    wOut.fill(8 / C, BOS * C, (BOS + 1) * C);
    wOut.fill(7 / C, PAD * C, (PAD + 1) * C);
    const model = new GptModel(ctx, config, { maxBatch: prompts.length * G, maxTime: 20, params: favoured });
    const sampler = new Sampler(model, prompts.length * G);
    const s = await sampler.sample({ ...request, temperature: 2 });
    // Without the specials bias the model puts almost all of its mass on BOS and PAD: its raw logits are W_out · ln_f.bias.
    const V = config.vocabSize;
    const raw = Array.from({ length: V }, (_, v) => wOut.subarray(v * C, (v + 1) * C).reduce((a, w) => a + w, 0));
    expect(raw.indexOf(Math.max(...raw))).toBe(BOS);
    expect(Math.exp(samplingLogp(raw, EOS, 2, false))).toBeLessThan(0.05);
    let completionTokens = 0;
    for (let r = 0; r < s.R; r++) {
      const start = s.promptLengths[r];
      for (let j = 0; j < s.completionLengths[r]; j++, completionTokens++) {
        const tok = s.tokens[r * s.T + start + j];
        expect(tok === PAD || tok === BOS, `row ${r} token ${j} is ${tok}`).toBe(false);
      }
    }
    expect(completionTokens).toBeGreaterThan(s.R);
    // With the specials out, the rest are equally likely: every completion token is drawn at probability 1/(V − 2).
    for (let i = 0; i < s.R * s.T; i++) if (s.mask[i]) expect(s.logp[i]).toBeCloseTo(-Math.log(V - 2), 4);
  });

  it('top-k = 1 is greedy decoding with probability one', async () => {
    const { ctx, model, sampler } = await setup();
    const s = await sampler.sample({ ...request, topK: 1, seed: 1 });
    const t = await sampler.sample({ ...request, topK: 1, seed: 2 });
    expect(t.tokens).toEqual(s.tokens);
    const out = model.forward(s.tokens, s.R, s.T);
    const logits = await ctx.read(out.logits);
    const V = config.vocabSize;
    for (let i = 0; i < s.R * s.T; i++) {
      if (!s.mask[i]) continue;
      const row = Array.from(logits.subarray(i * V, (i + 1) * V)).map((x, v) => (v === PAD || v === BOS ? -Infinity : x));
      expect(s.tokens[i + 1]).toBe(row.indexOf(Math.max(...row)));
      expect(s.logp[i]).toBeCloseTo(0, 5);
    }
  });

  it('a repeated call allocates nothing', async () => {
    const { ctx, sampler } = await setup();
    await sampler.sample(request);
    const before = ctx.stats();
    await sampler.sample(request);
    const after = ctx.stats();
    expect(after.pool.created).toBe(before.pool.created);
    expect(after.bindGroupsCreated).toBe(before.bindGroupsCreated);
    expect(after.stagingBuffers).toBe(before.stagingBuffers);
  });

  it('refuses requests it cannot serve, clearly', async () => {
    const { sampler } = await setup();
    await expect(sampler.sample({ ...request, groupSize: 4 })).rejects.toThrow(/12 rows, but this sampler holds 1\.\.9/);
    await expect(sampler.sample({ ...request, prompts: [[3, 4]], groupSize: 1 })).rejects.toThrow(/must start with BOS/);
    await expect(sampler.sample({ ...request, prompts: [Array(20).fill(BOS)], groupSize: 1 })).rejects.toThrow(/no room in the context of 20/);
  });
});
