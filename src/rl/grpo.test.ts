import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../gpu/context';
import { expectClose, finiteDiff, randn, testContext } from '../testing/gpu';
import { GRPO_METRICS, type GrpoAggregation, type GrpoConfig, grpoLoss, grpoMetrics } from './grpo';
import { type GrpoBatch, grpoLossRef } from './reference/grpo';
import { randomBatch, randomKeep } from './testing';

const AGGREGATIONS: GrpoAggregation[] = ['token-mean', 'seq-mean-token-mean', 'seq-mean-token-sum-norm'];

async function runGpu(ctx: GpuContext, b: GrpoBatch, cfg: Partial<GrpoConfig>) {
  const { S, T } = b;
  const up = (a: ArrayLike<number>, shape: number[]) => ctx.tensor(shape, 'f32', Float32Array.from(a));
  const inputs = {
    logp: up(b.logp, [S, T]),
    oldLogp: up(b.oldLogp, [S, T]),
    refLogp: up(b.refLogp, [S, T]),
    mask: up(b.mask, [S, T]),
    advantages: up(b.advantages, [S]),
    keep: b.keep ? up(b.keep, [S, T]) : undefined,
  };
  const outputs = { dlogp: ctx.tensor([S, T]), metrics: ctx.tensor([GRPO_METRICS.length]) };
  grpoLoss(ctx, inputs, outputs, cfg);
  const [dlogp, metrics] = await ctx.readMany([outputs.dlogp, outputs.metrics]);
  for (const t of [...Object.values(inputs), ...Object.values(outputs)]) t?.dispose();
  return { dlogp: dlogp as Float32Array, metrics: grpoMetrics(metrics) };
}

function batch(P: number, G: number, T: number, seed: number, withKeep: boolean): GrpoBatch {
  const r = randomBatch(P, G, T, seed);
  return { ...r, advantages: randn(r.S, seed + 1), keep: withKeep ? randomKeep(r.S * T, seed + 2) : undefined };
}

describe('grpoLoss', () => {
  const cases: [number, number, number][] = [[1, 1, 1], [3, 3, 17], [17, 2, 33], [1, 5, 130], [130, 1, 3]];
  for (const aggregation of AGGREGATIONS) {
    it.each(cases)(`matches the reference (${aggregation}) for P=%i G=%i T=%i`, async (P, G, T) => {
      const ctx = await testContext();
      for (const [withKeep, beta] of [[false, 0], [true, 0.04]] as const) {
        const b = batch(P, G, T, P * 1000 + G * 10 + T, withKeep);
        const cfg = { aggregation, beta, epsLow: 0.2, epsHigh: 0.28, maxLen: T + 3 };
        const gpu = await runGpu(ctx, b, cfg);
        const ref = grpoLossRef(b, cfg);
        expectClose(gpu.dlogp, ref.dlogp, { atol: 1e-6, rtol: 1e-4, what: 'dlogp' });
        for (const name of GRPO_METRICS) expectClose([gpu.metrics[name]], [ref.metrics[name]], { atol: 1e-5, rtol: 1e-4, what: name });
      }
    });
  }

  it('reference gradient equals central finite differences of the reference loss', () => {
    for (const aggregation of AGGREGATIONS) {
      const b = batch(3, 4, 9, 77, true);
      const cfg = { aggregation, beta: 0.1, epsLow: 0.2, epsHigh: 0.28 };
      const analytic = grpoLossRef(b, cfg).dlogp;
      const x = Float64Array.from(b.logp);
      const loss = (lp: Float64Array) => grpoLossRef({ ...b, logp: lp }, cfg).metrics.loss;
      let checked = 0;
      for (let i = 0; i < x.length; i++) {
        const ratio = Math.exp(x[i] - b.oldLogp[i]);
        // The clip is a kink: a central difference straddling it measures neither side.
        if (Math.abs(ratio - 0.8) < 1e-3 || Math.abs(ratio - 1.28) < 1e-3) continue;
        expect(Math.abs(finiteDiff(loss, x, i, 1e-6) - analytic[i]), `${aggregation} [${i}]`).toBeLessThan(1e-7 + 1e-5 * Math.abs(analytic[i]));
        checked++;
      }
      expect(checked).toBeGreaterThan(x.length * 0.9);
      expect(analytic.some((g) => g !== 0)).toBe(true);
    }
  });

  it('gives zero gradient exactly where the clip is active, and the full one elsewhere', async () => {
    const ctx = await testContext();
    // Row 0: A > 0; row 1: A < 0. Ratios below, inside and above [0.8, 1.2].
    const ratios = [0.5, 0.9, 1.1, 1.5];
    const logOld = Math.log(0.3);
    const logp = [...ratios, ...ratios].map((r) => logOld + Math.log(r));
    const b: GrpoBatch = { S: 2, T: 4, logp, oldLogp: new Array(8).fill(logOld), refLogp: logp, mask: new Array(8).fill(1), advantages: [1.5, -2] };
    const gpu = await runGpu(ctx, b, { epsLow: 0.2, epsHigh: 0.2 });
    const expected = [...ratios.map((r, t) => (t === 3 ? 0 : -1.5 * r)), ...ratios.map((r, t) => (t === 0 ? 0 : 2 * r))].map((g) => g / 8);
    expectClose(gpu.dlogp, expected, { atol: 1e-7, rtol: 1e-5 });
    expect(gpu.dlogp[3]).toBe(0);
    expect(gpu.dlogp[4]).toBe(0);
    expect(gpu.metrics.clip_high).toBeCloseTo(1 / 8, 6);
    expect(gpu.metrics.clip_low).toBeCloseTo(1 / 8, 6);
    expect(gpu.metrics.kl).toBe(0);
  });

  it('logs k3 against π_ref even when β = 0, without letting it into the loss', async () => {
    const ctx = await testContext();
    const b = batch(2, 3, 5, 5, false);
    const a = await runGpu(ctx, b, { beta: 0 });
    const c = await runGpu(ctx, { ...b, refLogp: b.logp }, { beta: 0 });
    expect(a.metrics.kl).toBeGreaterThan(0.01);
    expect(c.metrics.kl).toBe(0);
    expect(c.metrics.loss).toBe(a.metrics.loss);
  });

  it('counts only kept tokens in the token-mean denominator', async () => {
    const ctx = await testContext();
    const b = batch(3, 3, 11, 8, true);
    const gpu = await runGpu(ctx, b, {});
    const kept = Array.from(b.mask, (m, i) => m * b.keep![i]).reduce((x, y) => x + y, 0);
    expect(gpu.metrics.tokens).toBe(kept);
    for (let i = 0; i < b.S * b.T; i++) if (b.keep![i] === 0) expect(gpu.dlogp[i]).toBe(0);
  });

  it('is bit-reproducible', async () => {
    const ctx = await testContext();
    const b = batch(17, 3, 33, 12, true);
    const a = await runGpu(ctx, b, { beta: 0.04, aggregation: 'seq-mean-token-mean' });
    const c = await runGpu(ctx, b, { beta: 0.04, aggregation: 'seq-mean-token-mean' });
    expect(c.dlogp).toEqual(a.dlogp);
    expect(c.metrics).toEqual(a.metrics);
  });
});
