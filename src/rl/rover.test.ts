import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../gpu/context';
import { expectClose, finiteDiff, randn, testContext } from '../testing/gpu';
import { ADVANTAGE_METRICS, advantageMetrics } from './advantages';
import { groupAdvantagesRef } from './reference/advantages';
import { type RoverBatch, roverLossRef } from './reference/rover';
import { ROVER_METRICS, type RoverConfig, roverCentredRewards, roverLoss, roverMetrics } from './rover';
import { randomBatch } from './testing';

async function runGpu(ctx: GpuContext, b: RoverBatch, cfg: Partial<RoverConfig> = {}) {
  const { S, T } = b;
  const up = (a: ArrayLike<number>, shape: number[]) => ctx.tensor(shape, 'f32', Float32Array.from(a));
  const inputs = {
    logp: up(b.logp, [S, T]),
    oldLogp: up(b.oldLogp, [S, T]),
    vmean: up(b.vmean, [S, T]),
    oldVmean: up(b.oldVmean, [S, T]),
    mask: up(b.mask, [S, T]),
    centredRewards: up(b.centredRewards, [S]),
  };
  const outputs = { dlogp: ctx.tensor([S, T]), metrics: ctx.tensor([ROVER_METRICS.length]) };
  roverLoss(ctx, inputs, outputs, cfg);
  const [dlogp, metrics] = await ctx.readMany([outputs.dlogp, outputs.metrics]);
  for (const t of [...Object.values(inputs), ...Object.values(outputs)]) t.dispose();
  return { dlogp: dlogp as Float32Array, metrics: roverMetrics(metrics) };
}

function batch(P: number, G: number, T: number, seed: number): RoverBatch {
  const r = randomBatch(P, G, T, seed);
  return { ...r, centredRewards: groupAdvantagesRef(r.rewards, G, { scale: 'none' }).advantages };
}

describe('roverLoss', () => {
  const cases: [number, number, number][] = [[1, 1, 1], [3, 3, 17], [17, 2, 33], [1, 5, 130], [130, 1, 3]];
  it.each(cases)('matches the reference for P=%i G=%i T=%i', async (P, G, T) => {
    const ctx = await testContext();
    for (const rho of [1, 0.37]) {
      const b = batch(P, G, T, P * 1000 + G * 10 + T);
      const gpu = await runGpu(ctx, b, { rho });
      const ref = roverLossRef(b, { rho });
      expectClose(gpu.dlogp, ref.dlogp, { atol: 1e-6, rtol: 1e-4, what: 'dlogp' });
      for (const name of ROVER_METRICS) expectClose([gpu.metrics[name]], [ref.metrics[name]], { atol: 1e-5, rtol: 1e-4, what: name });
    }
  });

  it('reference gradient equals central finite differences of the reference loss', () => {
    for (const rho of [1, 0.37]) {
      const b = batch(3, 4, 9, 31);
      const analytic = roverLossRef(b, { rho }).dlogp;
      const x = Float64Array.from(b.logp);
      const loss = (lp: Float64Array) => roverLossRef({ ...b, logp: lp }, { rho }).metrics.loss;
      for (let i = 0; i < x.length; i++) expect(Math.abs(finiteDiff(loss, x, i, 1e-5) - analytic[i]), `[${i}]`).toBeLessThan(1e-8 + 1e-6 * Math.abs(analytic[i]));
      expect(analytic.filter((g) => g !== 0).length).toBeGreaterThan(20);
    }
  });

  it('at θ = θ_old is REINFORCE with the centred reward: dL/dlogp = −2ρ·r̃·m / Σm', async () => {
    const ctx = await testContext();
    const b = batch(5, 4, 13, 3);
    const atOld = { ...b, oldLogp: b.logp, oldVmean: b.vmean };
    const rho = 0.5;
    const gpu = await runGpu(ctx, atOld, { rho });
    const tokens = Array.from(b.mask).reduce((x, y) => x + y, 0);
    // REINFORCE's surrogate −Σ m·r̃·logp / Σm has gradient −r̃·m/Σm; ROVER's is 2ρ times it.
    const reinforce = Array.from(b.mask, (m, i) => (-b.centredRewards[Math.floor(i / b.T)] * m) / tokens);
    expectClose(gpu.dlogp, reinforce.map((g) => 2 * rho * g), { atol: 1e-7, rtol: 1e-5 });
    const meanSq = Array.from(b.mask, (m, i) => m * b.centredRewards[Math.floor(i / b.T)] ** 2).reduce((x, y) => x + y, 0) / tokens;
    expect(gpu.metrics.loss).toBeCloseTo(meanSq, 6);
    expect(gpu.metrics.q_abs_mean).toBe(0);
    expect(gpu.metrics.v_next_mean).toBe(0);
    expect(reinforce.some((g) => g !== 0)).toBe(true);
  });

  it('takes V̄ from the next position, and 0 after the last completion token', async () => {
    const ctx = await testContext();
    // One row, completion at positions 1..2; V̄ differences 0.5 at t=2 and 7 at t=3 (padding: never read).
    const b: RoverBatch = {
      S: 1, T: 4,
      logp: [0, -1, -2, 0], oldLogp: [0, -1.25, -2, 0],
      vmean: [0, 0, -3, 4], oldVmean: [0, 0, -3.5, -3],
      mask: [0, 1, 1, 0], centredRewards: [0.25],
    };
    const gpu = await runGpu(ctx, b);
    // t=1: Q = 0.25, y = 0.25 + 0.5 → Q−y = −0.5;  t=2: Q = 0, y = 0.25 → Q−y = −0.25.
    expectClose(gpu.dlogp, [0, (2 * -0.5) / 2, (2 * -0.25) / 2, 0], { atol: 1e-7, rtol: 1e-6 });
    expect(gpu.metrics.loss).toBeCloseTo((0.25 + 0.0625) / 2, 6);
    expect(gpu.metrics.v_next_mean).toBeCloseTo(0.25, 6);
  });

  it('is bit-reproducible', async () => {
    const ctx = await testContext();
    const b = batch(17, 3, 33, 12);
    const a = await runGpu(ctx, b);
    const c = await runGpu(ctx, b);
    expect(c.dlogp).toEqual(a.dlogp);
    expect(c.metrics).toEqual(a.metrics);
  });
});

describe('roverCentredRewards', () => {
  it.each(['centred', 'centred-std'] as const)('computes r̃ (%s) per group', async (reward) => {
    const ctx = await testContext();
    const G = 5;
    const rewards = Float32Array.from(randn(17 * G, 4), (v) => (v > 0 ? 1 : 0));
    const r = ctx.tensor([rewards.length], 'f32', rewards), out = ctx.tensor([rewards.length]), m = ctx.tensor([ADVANTAGE_METRICS.length]);
    roverCentredRewards(ctx, r, G, out, m, { reward });
    const [centred, metrics] = await ctx.readMany([out, m]);
    const ref = groupAdvantagesRef(rewards, G, { scale: reward === 'centred' ? 'none' : 'group' });
    expectClose(centred, ref.advantages, { atol: 1e-6, rtol: 1e-5 });
    expect(advantageMetrics(metrics).zero_std_groups).toBe(ref.metrics.zero_std_groups);
    for (const t of [r, out, m]) t.dispose();
  });
});
