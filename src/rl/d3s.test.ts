import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../gpu/context';
import { expectClose, randn, testContext } from '../testing/gpu';
import { Rng } from '../util/rng';
import { D3S_METRICS, DEFAULT_D3S, type D3sSelection, d3sMetrics, d3sSchedule, d3sSelect, tokenKeepCount, topkSelect } from './d3s';
import { groupAdvantagesRef } from './reference/advantages';
import { type D3sBatch, d3sSelectRef, maxVarianceSubsetRef, topkRef } from './reference/d3s';
import { randomBatch } from './testing';

async function runSelect(ctx: GpuContext, b: D3sBatch, sel: D3sSelection) {
  const { S, T } = b;
  const inputs = {
    advantages: ctx.tensor([S], 'f32', Float32Array.from(b.advantages)),
    entropy: ctx.tensor([S, T], 'f32', Float32Array.from(b.entropy)),
    mask: ctx.tensor([S, T], 'f32', Float32Array.from(b.mask)),
  };
  const outputs = { keep: ctx.tensor([S, T]), metrics: ctx.tensor([D3S_METRICS.length]), sampleKeep: ctx.tensor([S]) };
  d3sSelect(ctx, inputs, outputs, sel);
  const [keep, metrics, sampleKeep] = await ctx.readMany([outputs.keep, outputs.metrics, outputs.sampleKeep]);
  for (const t of [...Object.values(inputs), ...Object.values(outputs)]) t.dispose();
  return { keep: Array.from(keep), sampleKeep: Array.from(sampleKeep), metrics: d3sMetrics(metrics) };
}

function variance(values: number[]): number {
  const mean = values.reduce((a, v) => a + v, 0) / values.length;
  return values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
}

function bruteForceMaxVariance(values: number[], size: number): number {
  let best = 0;
  for (let bits = 0; bits < 1 << values.length; bits++) {
    const subset = values.filter((_, i) => bits & (1 << i));
    if (subset.length === size) best = Math.max(best, variance(subset));
  }
  return best;
}

/** Advantages of P groups: continuous (no ties) or from binary rewards (many exact ties). */
function groupAdvantages(P: number, G: number, seed: number, binary: boolean): Float32Array {
  if (!binary) return randn(P * G, seed);
  const rng = new Rng(seed, 4);
  const rewards = Float32Array.from({ length: P * G }, () => (rng.float() < 0.4 ? 1 : 0));
  return Float32Array.from(groupAdvantagesRef(rewards, G).advantages);
}

describe('D³S sample level', () => {
  it('keeps a subset of maximal variance, as brute force over all subsets finds, for every G ≤ 10 and N_s', async () => {
    const ctx = await testContext();
    const P = 6;
    let compared = 0;
    for (let G = 1; G <= 10; G++) {
      for (let Ns = 1; Ns <= G; Ns++) {
        for (const binary of [false, true]) {
          const advantages = groupAdvantages(P, G, G * 100 + Ns, binary);
          const { sampleKeep } = await runSelect(ctx, { S: P * G, T: 1, advantages, entropy: new Float32Array(P * G), mask: new Float32Array(P * G) }, { groupSize: G, samplesPerGroup: Ns, tokenFraction: 1, batchKeep: null });
          for (let p = 0; p < P; p++) {
            const group = Array.from(advantages.subarray(p * G, p * G + G));
            const keptIdx = group.map((_, g) => g).filter((g) => sampleKeep[p * G + g] === 1);
            expect(keptIdx.length, `G=${G} Ns=${Ns}`).toBe(Ns);
            const best = bruteForceMaxVariance(group, Ns);
            const got = variance(keptIdx.map((g) => group[g]));
            expect(Math.abs(got - best), `G=${G} Ns=${Ns} group ${p}`).toBeLessThanOrEqual(1e-5 * best + 1e-12);
            // …and the very subset the reference picks, ties included.
            expect(keptIdx, `G=${G} Ns=${Ns} group ${p}`).toEqual([...maxVarianceSubsetRef(group, Ns)].sort((a, b) => a - b));
            compared++;
          }
        }
      }
    }
    expect(compared).toBe(6 * 55 * 2);
  });

  it('breaks exact ties towards the fewest largest advantages, then the lowest indices', () => {
    // Symmetric ±1: {1 large, 2 small} and {2 large, 1 small} tie; j = 1 wins; among equal values the lowest indices.
    expect(maxVarianceSubsetRef([1, -1, 1, -1], 3).sort()).toEqual([0, 1, 3]);
  });
});

describe('topkSelect', () => {
  const sizes = [1, 3, 17, 33, 130, 5000];
  it.each(sizes)('keeps exactly the k largest eligible scores, ties to the lower index (n=%i)', async (n) => {
    const ctx = await testContext();
    const rng = new Rng(n, 8);
    // Few distinct values (and some zeros and −0) so that ties straddle the threshold.
    const score = Float32Array.from({ length: n }, () => [0, -0, 0.5, 1, 1.25, 3e-3][rng.int(6)]);
    const eligible = Float32Array.from({ length: n }, () => (rng.float() < 0.7 ? 1 : 0));
    const nEligible = eligible.reduce((a, e) => a + e, 0);
    const s = ctx.tensor([n], 'f32', score), e = ctx.tensor([n], 'f32', eligible), keep = ctx.tensor([n]), stats = ctx.tensor([4], 'u32');
    for (const k of new Set([0, 1, Math.floor(nEligible / 3), nEligible, nEligible + 5])) {
      topkSelect(ctx, s, e, keep, stats, { count: k });
      const [got, st] = await ctx.readMany([keep, stats]);
      expect(Array.from(got), `k=${k}`).toEqual(Array.from(topkRef(score, eligible, k)));
      expect(st[0]).toBe(nEligible);
      expect(st[1]).toBe(Math.min(k, nEligible));
      if (k > 0 && nEligible > 0) {
        // The threshold is the k-th largest eligible score itself, as float bits.
        const sorted = Array.from(score).filter((_, i) => eligible[i] === 1).map((v) => (v > 0 ? v : 0)).sort((a, b) => b - a);
        expect(st[2], `k=${k}`).toBe(new Uint32Array(Float32Array.of(sorted[Math.min(k, nEligible) - 1]).buffer)[0]);
      }
      expect(Array.from(got).reduce((a, v) => a + v, 0)).toBe(Math.min(k, nEligible));
    }
    for (const fraction of [0.2, 0.25, 0.5, 1]) {
      topkSelect(ctx, s, e, keep, stats, { fraction });
      const [got, st] = await ctx.readMany([keep, stats]);
      expect(st[1], `K=${fraction}`).toBe(tokenKeepCount(nEligible, fraction));
      expect(Array.from(got), `K=${fraction}`).toEqual(Array.from(topkRef(score, eligible, tokenKeepCount(nEligible, fraction))));
    }
    for (const t of [s, e, keep, stats]) t.dispose();
  });

  it('rounds K% of the count half up, keeping at least one token', () => {
    expect(tokenKeepCount(10, 0.3)).toBe(3);
    expect(tokenKeepCount(10, 0.25)).toBe(3);
    expect(tokenKeepCount(10, 0.24)).toBe(2);
    expect(tokenKeepCount(3, 0.01)).toBe(1);
    expect(tokenKeepCount(3, 0)).toBe(0);
    expect(tokenKeepCount(0, 0.5)).toBe(0);
    expect(tokenKeepCount(7, 1)).toBe(7);
  });
});

describe('d3sSelect', () => {
  const cases: [number, number, number][] = [[1, 1, 1], [3, 3, 17], [17, 5, 9], [2, 8, 33], [130, 2, 3]];
  for (const batchKeep of [null, 7]) {
    it.each(cases)(`matches the reference (batchKeep=${batchKeep}) for P=%i G=%i T=%i`, async (P, G, T) => {
      const ctx = await testContext();
      for (const binary of [false, true]) {
        const r = randomBatch(P, G, T, P * 100 + G * 10 + T);
        const b: D3sBatch = { S: r.S, T, advantages: groupAdvantages(P, G, P + G + T, binary), entropy: r.entropy, mask: r.mask };
        const sel = { groupSize: G, samplesPerGroup: Math.max(1, Math.ceil(G / 2)), tokenFraction: 0.37, batchKeep };
        const gpu = await runSelect(ctx, b, sel);
        const ref = d3sSelectRef(b, sel);
        expect(gpu.sampleKeep, 'sample keep').toEqual(Array.from(ref.sampleKeep));
        expect(gpu.keep, 'token keep').toEqual(Array.from(ref.keep));
        for (const name of D3S_METRICS) expectClose([gpu.metrics[name]], [ref.metrics[name]], { atol: 1e-5, rtol: 1e-4, what: name });
        for (let i = 0; i < r.S * T; i++) if (gpu.keep[i]) expect(b.mask[i] * gpu.sampleKeep[Math.floor(i / T)]).toBe(1);
        if (batchKeep !== null) expect(gpu.metrics.samples_kept).toBeLessThanOrEqual(batchKeep);
      }
    });
  }

  it('across the batch drops zero-variance groups first', async () => {
    const ctx = await testContext();
    // Group 0: all rewards equal (A = 0); group 1: spread. Room for 6, but only group 1's 3 can be kept.
    const advantages = [0, 0, 0, 1, -0.5, -0.5];
    const b: D3sBatch = { S: 6, T: 2, advantages, entropy: new Array(12).fill(1), mask: new Array(12).fill(1) };
    const gpu = await runSelect(ctx, b, { groupSize: 3, samplesPerGroup: 3, tokenFraction: 1, batchKeep: 6 });
    expect(gpu.sampleKeep).toEqual([0, 0, 0, 1, 1, 1]);
    expect(gpu.metrics.tokens_kept).toBe(6);
    expect(gpu.metrics.adv_var_before).toBeCloseTo(variance(advantages), 6);
    expect(gpu.metrics.adv_var_after).toBeCloseTo(variance([1, -0.5, -0.5]), 6);
  });

  it('is bit-reproducible', async () => {
    const ctx = await testContext();
    const r = randomBatch(17, 8, 33, 2);
    const b: D3sBatch = { S: r.S, T: r.T, advantages: groupAdvantages(17, 8, 3, true), entropy: r.entropy, mask: r.mask };
    const sel = { groupSize: 8, samplesPerGroup: 4, tokenFraction: 0.2, batchKeep: 40 };
    expect(await runSelect(ctx, b, sel)).toEqual(await runSelect(ctx, b, sel));
  });
});

describe('d3sSchedule', () => {
  it('starts at the initial and ends at the final (N_s, K) on the last step, linearly in between', () => {
    const cfg = { ...DEFAULT_D3S, sampleFracInit: 0.25, sampleFracFinal: 1, tokenFracInit: 0.1, tokenFracFinal: 0.9 };
    // A 101-step run: step 1 follows 0 completed steps, step 101 follows 100.
    expect(d3sSchedule(cfg, 0, 101, 8)).toEqual({ progress: 0, samplesPerGroup: 2, tokenFraction: 0.1 });
    expect(d3sSchedule(cfg, 100, 101, 8)).toEqual({ progress: 1, samplesPerGroup: 8, tokenFraction: 0.9 });
    expect(d3sSchedule(cfg, 50, 101, 8)).toEqual({ progress: 0.5, samplesPerGroup: 5, tokenFraction: 0.5 });
    expect(d3sSchedule(cfg, 250, 101, 8).progress).toBe(1);
    // A one-step run is its own last step.
    expect(d3sSchedule(cfg, 0, 1, 8).progress).toBe(1);
    expect(d3sSchedule(cfg, 1, 3, 8).progress).toBe(0.5);
    // N_s never drops below 2 (a single rollout has no variance) nor exceeds G.
    expect(d3sSchedule({ ...cfg, sampleFracInit: 0 }, 0, 10, 8).samplesPerGroup).toBe(2);
    expect(d3sSchedule({ ...cfg, sampleFracFinal: 2 }, 9, 10, 8).samplesPerGroup).toBe(8);
    expect(d3sSchedule(DEFAULT_D3S, 0, 10, 5)).toEqual({ progress: 0, samplesPerGroup: 3, tokenFraction: 0.2 });
  });
});
