import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../context';
import { shaderSource } from '../shaders';
import { AWKWARD, expectClose, randn, testContext } from '../../testing/gpu';
import { EXP2_NEG_NIBBLE, type SampleOptions, negLog2Scale, sampleRef, sampleWeight, streamOf, topKMask } from '../reference/sample';
import { sample } from './sample';

async function gpuSample(ctx: GpuContext, logits: Float32Array, R: number, V: number, opts: SampleOptions) {
  const tl = ctx.tensor([R, V], 'f32', logits), tokens = ctx.tensor([R], 'u32'), logp = ctx.tensor([R]);
  const streams = ctx.tensor([R], 'u32', Uint32Array.from({ length: R }, (_, r) => streamOf(opts, r)));
  sample(ctx, tl, tokens, logp, streams, R, V, opts);
  const [t, l] = await ctx.readMany([tokens, logp]);
  for (const x of [tl, tokens, logp, streams]) x.dispose();
  return { tokens: t as Uint32Array, logp: l as Float32Array };
}

function repeatRow(row: number[], R: number): Float32Array {
  const out = new Float32Array(R * row.length);
  for (let r = 0; r < R; r++) out.set(row, r * row.length);
  return out;
}

/** Pearson's chi-square statistic of observed counts against expected probabilities. */
function chiSquare(tokens: Uint32Array, probs: number[]): number {
  const counts = new Array<number>(probs.length).fill(0);
  for (const t of tokens) counts[t]++;
  return probs.reduce((s, p, v) => s + (counts[v] - p * tokens.length) ** 2 / (p * tokens.length), 0);
}

function softmax(row: number[], temperature: number, keep: boolean[] = row.map(() => true)): number[] {
  const m = Math.max(...row);
  const e = row.map((x, v) => (keep[v] ? Math.exp((x - m) / temperature) : 0));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

describe('sample', () => {
  it('draws exactly the reference tokens, with matching log-probabilities', async () => {
    const ctx = await testContext();
    const cases: [number, number, number, number][] = [];
    for (const V of [...AWKWARD, 1000]) for (const [temperature, topK] of [[1, 0], [0.7, 3], [1.3, V - 1], [0.05, 1]]) cases.push([V === 1000 ? 17 : 130, V, temperature, topK]);
    cases.push([4000, 64, 1, 0], [4000, 64, 0.6, 8]);
    for (const [i, [R, V, temperature, topK]] of cases.entries()) {
      const logits = randn(R * V, R + V, 2);
      // Every other case gives each row a stream of its own (the sampler's decode steps do).
      const stream = i % 2 ? Array.from({ length: R }, (_, r) => (r * 2654435761) >>> 0) : 5;
      const opts = { temperature, topK, seed: 1234 + V, stream };
      const got = await gpuSample(ctx, logits, R, V, opts);
      const ref = sampleRef(logits, R, V, opts);
      const what = `R=${R} V=${V} τ=${temperature} k=${topK}`;
      expect(Array.from(got.tokens), what).toEqual(Array.from(ref.tokens));
      expectClose(got.logp, ref.logp, { atol: 2e-5, rtol: 1e-5, what: `logp ${what}` });
    }
  });

  it('repeats itself for the same seed and stream, and changes with the stream', async () => {
    const ctx = await testContext();
    const R = 500, V = 16;
    const logits = randn(R * V, 3, 0.3);
    const opts = { temperature: 1, topK: 0, seed: 99, stream: 0 };
    const a = await gpuSample(ctx, logits, R, V, opts);
    const b = await gpuSample(ctx, logits, R, V, opts);
    const c = await gpuSample(ctx, logits, R, V, { ...opts, stream: 1 });
    expect(Array.from(b.tokens)).toEqual(Array.from(a.tokens));
    // Near-uniform rows over 16 tokens: two independent draws agree about 1/16 of the time.
    const same = a.tokens.filter((t, r) => t === c.tokens[r]).length;
    expect(same / R).toBeLessThan(0.2);
  });

  // Critical values of χ² at significance 0.001 for 9 and 4 degrees of freedom.
  const CHI2_CRIT = { 9: 27.877, 4: 18.467 };

  it('follows softmax(logits/τ) (χ² test)', async () => {
    const ctx = await testContext();
    const row = [0.5, -1, 2, 0, 1.5, -0.3, 0.9, -2, 1, 0.2], R = 20_000, temperature = 0.8;
    const got = await gpuSample(ctx, repeatRow(row, R), R, row.length, { temperature, topK: 0, seed: 7, stream: 3 });
    expect(chiSquare(got.tokens, softmax(row, temperature))).toBeLessThan(CHI2_CRIT[9]);
    // The same statistic against a slightly wrong temperature must be far off, or the test could not fail.
    expect(chiSquare(got.tokens, softmax(row, 0.9))).toBeGreaterThan(CHI2_CRIT[9]);
  });

  it('top-k keeps only the k largest logits and renormalises over them (χ² test)', async () => {
    const ctx = await testContext();
    const row = [0.1, 1.2, -0.5, 0.8, 2.0, -1.0, 0.3, 1.0, -0.2, 0.0, 0.6, -2.0], R = 20_000, temperature = 1.2, topK = 5;
    const got = await gpuSample(ctx, repeatRow(row, R), R, row.length, { temperature, topK, seed: 8, stream: 0 });
    const keep = topKMask(row, topK);
    expect(keep.filter(Boolean).length).toBe(topK);
    for (const t of got.tokens) expect(keep[t]).toBe(true);
    const kept = row.map((_, v) => v).filter((v) => keep[v]);
    const probs = softmax(row, temperature, keep);
    const counts = kept.map((v) => got.tokens.filter((t) => t === v).length);
    const chi2 = kept.reduce((s, v, i) => s + (counts[i] - probs[v] * R) ** 2 / (probs[v] * R), 0);
    expect(chi2).toBeLessThan(CHI2_CRIT[4]);
  });

  it('breaks ties at the top-k boundary towards the lower index', async () => {
    const ctx = await testContext();
    const row = [1, 3, 3, 2, 3], R = 400;
    const two = await gpuSample(ctx, repeatRow(row, R), R, row.length, { temperature: 1, topK: 2, seed: 1, stream: 0 });
    expect(new Set(two.tokens)).toEqual(new Set([1, 2]));
    const greedy = await gpuSample(ctx, repeatRow(row, R), R, row.length, { temperature: 1, topK: 1, seed: 1, stream: 0 });
    expect(greedy.tokens.every((t) => t === 1)).toBe(true);
    expect(greedy.logp.every((l) => l === 0)).toBe(true);
  });

  it('the shader and the reference hold the same exp table', () => {
    const body = /EXP2_NEG_NIBBLE = array<u32, 80>\(([^)]*)\)/.exec(shaderSource('sample'))![1];
    const wgsl = body.split(',').map((s) => s.trim()).filter(Boolean).map((s) => parseInt(s, 16));
    expect(wgsl).toEqual([...EXP2_NEG_NIBBLE]);
  });

  it('the table-built exp is within 1e-6 of the true exp', () => {
    const scale = negLog2Scale(0.7);
    let worst = 0;
    for (let i = 0; i < 12_000; i++) {
      const x = Math.fround(-i * 0.0031);
      const e = Math.fround(Math.fround(0 - x) * scale);
      worst = Math.max(worst, Math.abs(sampleWeight(x, 0, scale) / 2 ** -e - 1));
    }
    expect(worst).toBeLessThan(1e-6);
    expect(worst).toBeGreaterThan(0);
    // Below 2^-100 of the largest weight a token is dropped.
    expect(sampleWeight(-100 / scale, 0, scale)).toBe(0);
  });
});
