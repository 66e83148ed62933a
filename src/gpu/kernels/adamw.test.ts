import { describe, expect, it } from 'vitest';
import { AWKWARD, expectClose, randn, testContext } from '../../testing/gpu';
import { type AdamWConfig, adamwRef, clipScale } from '../reference/adamw';
import { adamw } from './adamw';
import { sumOfSquares } from './reduce';

const BASE: Omit<AdamWConfig, 'step' | 'decayCount' | 'maxGradNorm'> = { lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };

/** Runs `steps` AdamW steps on the GPU and on the reference from the same start; returns the clip scales seen. */
async function compareSteps(n: number, maxGradNorm: number, decayCount: number, steps: number): Promise<number[]> {
  const ctx = await testContext();
  let ref: { params: Float32Array; m: Float32Array; v: Float32Array } = { params: randn(n, n), m: new Float32Array(n), v: new Float32Array(n) };
  const params = ctx.tensor([n], 'f32', ref.params), m = ctx.tensor([n], 'f32', ref.m), v = ctx.tensor([n], 'f32', ref.v);
  const grads = ctx.tensor([n]), normSq = ctx.tensor([1]);
  const scales: number[] = [];
  for (let step = 1; step <= steps; step++) {
    const g = randn(n, 1000 * step + n, step);
    ctx.write(grads, g);
    const cfg: AdamWConfig = { ...BASE, maxGradNorm, decayCount, step };
    sumOfSquares(ctx, grads, normSq);
    adamw(ctx, params, grads, m, v, normSq, cfg);
    const next = adamwRef(ref.params, g, ref.m, ref.v, cfg);
    scales.push(clipScale(next.gradNorm, maxGradNorm));
    const [gp, gm, gv, gn] = await ctx.readMany([params, m, v, normSq]);
    const what = `n=${n} maxNorm=${maxGradNorm} decay<${decayCount} step ${step}`;
    expectClose([Math.sqrt(gn[0])], [next.gradNorm], { atol: 0, rtol: 1e-5, what: `‖g‖ ${what}` });
    expectClose(gp, next.params, { atol: 1e-6, rtol: 1e-5, what: `params ${what}` });
    expectClose(gm, next.m, { atol: 1e-7, rtol: 1e-4, what: `m ${what}` });
    expectClose(gv, next.v, { atol: 1e-9, rtol: 1e-4, what: `v ${what}` });
    ref = next;
  }
  for (const t of [params, m, v, grads, normSq]) t.dispose();
  return scales;
}

describe('adamw', () => {
  it.each([...AWKWARD, 4099])('matches the reference over several steps, clipping off and inactive (n=%i)', async (n) => {
    const off = await compareSteps(n, 0, Math.floor(n / 2), 3);
    expect(off.every((s) => s === 1)).toBe(true);
    const inactive = await compareSteps(n, 1e6, Math.floor(n / 2), 3);
    expect(inactive.every((s) => s === 1)).toBe(true);
  });

  it.each([3, 130, 70_001])('matches the reference with clipping active (n=%i)', async (n) => {
    // Gradients of scale `step` have norm ≈ step·√n, above 0.5: every step is clipped.
    const scales = await compareSteps(n, 0.5, Math.floor(n / 3), 4);
    expect(Math.max(...scales)).toBeLessThan(1);
  });

  it('decays exactly the first decayCount elements', async () => {
    const ctx = await testContext();
    const n = 33, decayCount = 17;
    // With zero gradients the Adam term vanishes (m = v = 0), so only decay moves a parameter.
    const p0 = randn(n, 5);
    const params = ctx.tensor([n], 'f32', p0), zeros = ctx.tensor([n], 'f32', new Float32Array(n));
    const m = ctx.tensor([n], 'f32', new Float32Array(n)), v = ctx.tensor([n], 'f32', new Float32Array(n)), normSq = ctx.tensor([1], 'f32', [0]);
    adamw(ctx, params, zeros, m, v, normSq, { ...BASE, maxGradNorm: 1, decayCount, step: 1 });
    const got = await ctx.read(params);
    for (let i = 0; i < n; i++) {
      const expected = i < decayCount ? Math.fround(p0[i] * Math.fround(1 - BASE.lr * BASE.weightDecay)) : p0[i];
      expect(got[i], `element ${i}`).toBeCloseTo(expected, 7);
    }
    for (const t of [params, zeros, m, v, normSq]) t.dispose();
  });

  it('leaves the memory after a view of awkward length untouched', async () => {
    const ctx = await testContext();
    const n = 33, room = 40;
    const host = [randn(room, 1), randn(room, 2), randn(room, 3, 0.1), randn(room, 4, 0.1).map(Math.abs)];
    const whole = host.map((h) => ctx.tensor([room], 'f32', h));
    const [params, grads, m, v] = whole.map((t) => t.view([n]));
    const normSq = ctx.tensor([1], 'f32', [1]);
    adamw(ctx, params, grads, m, v, normSq, { ...BASE, maxGradNorm: 0, decayCount: n, step: 2 });
    const after = await ctx.readMany(whole);
    after.forEach((a, i) => {
      expect(Array.from(a.subarray(n)), `tensor ${i}`).toEqual(Array.from(host[i].subarray(n)));
      if (i !== 1) expect(a[n - 1], `tensor ${i} updated`).not.toBe(host[i][n - 1]);
    });
    for (const t of [...whole, normSq]) t.dispose();
  });

  it('is bit-identical when run twice', async () => {
    const ctx = await testContext();
    const n = 5000;
    const run = async () => {
      const params = ctx.tensor([n], 'f32', randn(n, 1)), grads = ctx.tensor([n], 'f32', randn(n, 2));
      const m = ctx.tensor([n], 'f32', randn(n, 3, 0.1)), v = ctx.tensor([n], 'f32', randn(n, 4, 0.1).map(Math.abs)), normSq = ctx.tensor([1]);
      sumOfSquares(ctx, grads, normSq);
      adamw(ctx, params, grads, m, v, normSq, { ...BASE, maxGradNorm: 1, decayCount: 1234, step: 7 });
      const out = await ctx.readMany([params, m, v]);
      for (const t of [params, grads, m, v, normSq]) t.dispose();
      return out.map((a) => Array.from(a));
    };
    expect(await run()).toEqual(await run());
  });
});
