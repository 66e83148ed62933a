import { describe, expect, it } from 'vitest';
import { expectClose, randn, randu, testContext } from '../testing/gpu';
import { rolloutStats, rolloutStatsRef } from './rollout-stats';

describe('rolloutStats', () => {
  it.each([1, 17, 130, 2049])('matches the float64 sums for n=%i and is bit-reproducible', async (n) => {
    const ctx = await testContext();
    const old = randn(n, 1), ref = randn(n, 2), ent = randu(n, 3, 0, 2);
    const mask = randu(n, 4).map((x) => (x > -0.3 ? 1 : 0));
    const ts = [old, ref, ent, mask].map((a) => ctx.tensor([n], 'f32', a));
    const out = ctx.tensor([4]);
    rolloutStats(ctx, ts[0], ts[1], ts[2], ts[3], out);
    const a = await ctx.read(out);
    rolloutStats(ctx, ts[0], ts[1], ts[2], ts[3], out);
    const b = await ctx.read(out);
    expect(b).toEqual(a);
    expectClose(a, rolloutStatsRef(old, ref, ent, mask), { atol: 1e-4, rtol: 1e-4 });
  });
});
