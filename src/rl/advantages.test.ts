import { describe, expect, it } from 'vitest';
import { expectClose, testContext } from '../testing/gpu';
import { Rng } from '../util/rng';
import { ADVANTAGE_METRICS, type AdvantageConfig, advantageMetrics, groupAdvantages } from './advantages';
import { groupAdvantagesRef } from './reference/advantages';

/** Rewards on a coarse grid so that some groups are all-equal (binary-ish verifier outcomes). */
function gridRewards(n: number, seed: number): Float32Array {
  const rng = new Rng(seed, 3);
  return Float32Array.from({ length: n }, () => rng.int(3) / 2);
}

async function runGpu(rewards: Float32Array, G: number, cfg: Partial<AdvantageConfig> = {}) {
  const ctx = await testContext();
  const r = ctx.tensor([rewards.length], 'f32', rewards);
  const adv = ctx.tensor([rewards.length]);
  const metrics = ctx.tensor([ADVANTAGE_METRICS.length]);
  groupAdvantages(ctx, r, G, adv, metrics, cfg);
  const [a, m] = await ctx.readMany([adv, metrics]);
  for (const t of [r, adv, metrics]) t.dispose();
  return { advantages: a as Float32Array, metrics: advantageMetrics(m) };
}

describe('groupAdvantages', () => {
  const shapes: [number, number][] = [[1, 1], [3, 3], [17, 5], [33, 8], [130, 3], [2, 17]];
  const configs: Partial<AdvantageConfig>[] = [
    { scale: 'group' },
    { scale: 'none' },
    { scale: 'group', sign: 'positive' },
    { scale: 'none', sign: 'negative' },
    { scale: 'reward' },
    { scale: 'reward', sign: 'negative' },
  ];
  for (const cfg of configs) {
    it.each(shapes)(`matches the reference for P=%i G=%i, ${JSON.stringify(cfg)}`, async (P, G) => {
      const rewards = gridRewards(P * G, P * 100 + G);
      const gpu = await runGpu(rewards, G, cfg);
      const ref = groupAdvantagesRef(rewards, G, cfg);
      expectClose(gpu.advantages, ref.advantages, { atol: 1e-5, rtol: 1e-5, what: 'advantages' });
      for (const name of ADVANTAGE_METRICS) expect(gpu.metrics[name], name).toBeCloseTo(ref.metrics[name], 5);
      if (cfg.sign === 'positive') expect(gpu.advantages.every((a) => a >= 0)).toBe(true);
      if (cfg.sign === 'negative') expect(gpu.advantages.every((a) => a <= 0)).toBe(true);
    });
  }

  it('gives the textbook values on a hand-checked batch', async () => {
    // Group 0: mean 1/3, unbiased std √(1/3); group 1 all equal → A = 0, one zero-std group of two.
    const { advantages, metrics } = await runGpu(Float32Array.from([1, 0, 0, 1, 1, 1]), 3);
    const s = Math.sqrt(1 / 3) + 1e-6;
    expectClose(advantages, [2 / 3 / s, -1 / 3 / s, -1 / 3 / s, 0, 0, 0], { atol: 1e-6, rtol: 1e-6 });
    expect(metrics.zero_std_groups).toBe(1);
    expect(metrics.frac_reward_zero_std).toBe(0.5);
    expect(metrics.reward_mean).toBeCloseTo(4 / 6, 6);
    expect(metrics.nonzero_advantages).toBe(3);
  });

  it('reward scaling is 2r − 1 with no baseline: a group of equal rewards still pushes, and NSR keeps only the failures', async () => {
    const rewards = Float32Array.from([1, 0, 0, 0, 0, 0, 1, 1, 1, 0.25, 0.75, 0.5]);
    const both = await runGpu(rewards, 3, { scale: 'reward' });
    expectClose(both.advantages, [1, -1, -1, -1, -1, -1, 1, 1, 1, -0.5, 0.5, 0], { atol: 0, rtol: 0 });
    // The all-wrong group (1) and the all-right group (2) still count as zero-std in the metrics.
    expect(both.metrics.zero_std_groups).toBe(2);
    const nsr = await runGpu(rewards, 3, { scale: 'reward', sign: 'negative' });
    expectClose(nsr.advantages, [0, -1, -1, -1, -1, -1, 0, 0, 0, -0.5, 0, 0], { atol: 0, rtol: 0 });
  });

  it('centres each group exactly and scales it to unit unbiased std', async () => {
    const G = 7;
    const rng = new Rng(5, 1);
    const rewards = Float32Array.from({ length: 9 * G }, () => rng.float());
    const { advantages } = await runGpu(rewards, G);
    for (let p = 0; p < 9; p++) {
      const a = Array.from(advantages.subarray(p * G, p * G + G));
      const mean = a.reduce((x, y) => x + y, 0) / G;
      const varU = a.reduce((x, y) => x + (y - mean) ** 2, 0) / (G - 1);
      expect(Math.abs(mean)).toBeLessThan(1e-5);
      expect(varU).toBeCloseTo(1, 4);
    }
  });

  it('is bit-reproducible', async () => {
    const rewards = gridRewards(130 * 5, 9);
    const a = await runGpu(rewards, 5);
    const b = await runGpu(rewards, 5);
    expect(b.advantages).toEqual(a.advantages);
    expect(b.metrics).toEqual(a.metrics);
  });

  it('refuses rewards that do not split into groups', async () => {
    const ctx = await testContext();
    const r = ctx.tensor([10]), a = ctx.tensor([10]), m = ctx.tensor([8]);
    expect(() => groupAdvantages(ctx, r, 3, a, m)).toThrow(/groups of 3/);
  });
});
