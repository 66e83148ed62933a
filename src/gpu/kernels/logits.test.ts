import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../context';
import { AWKWARD, expectClose, finiteDiff, randn, randu, testContext } from '../../testing/gpu';
import { Rng } from '../../util/rng';
import { EXCLUDED_LOGIT, crossEntropyRef, logitStatsBackwardRef, logitStatsRef, logitStatsRef64 } from '../reference/logits';
import { crossEntropy, logitStats, logitStatsBackward } from './logits';

function randomTargets(N: number, V: number, seed: number): Uint32Array {
  const rng = new Rng(seed, 3);
  return Uint32Array.from({ length: N }, () => rng.int(V));
}

async function runStats(ctx: GpuContext, logits: Float32Array, targets: Uint32Array, N: number, V: number, temperature: number) {
  const tl = ctx.tensor([N, V], 'f32', logits), tt = ctx.tensor([N], 'u32', targets);
  const logp = ctx.tensor([N]), entropy = ctx.tensor([N]), vmean = ctx.tensor([N]);
  logitStats(ctx, tl, tt, logp, entropy, vmean, N, V, temperature);
  const [a, b, c] = (await ctx.readMany([logp, entropy, vmean])) as Float32Array[];
  for (const t of [tl, tt, logp, entropy, vmean]) t.dispose();
  return { logp: a, entropy: b, vmean: c };
}

/** Takes a few tokens out of every row (as the policy's PAD/BOS bias does): adds EXCLUDED_LOGIT to entries 0 and (3 + n) mod V of row n, when V leaves at least one other. */
function excludeSome(logits: Float32Array, N: number, V: number): Float32Array {
  const out = Float32Array.from(logits);
  if (V < 3) return out;
  for (let n = 0; n < N; n++) for (const v of new Set([0, (3 + n) % V])) out[n * V + v] += EXCLUDED_LOGIT;
  return out;
}

const SHAPES: [number, number][] = [];
for (const N of [1, 17, 130]) for (const V of [...AWKWARD, 1000]) SHAPES.push([N, V]);

describe('logitStats', () => {
  it.each([1, 0.7])('matches the reference on awkward shapes (τ=%s)', async (temperature) => {
    const ctx = await testContext();
    for (const [N, V] of SHAPES) {
      const logits = randn(N * V, N * 7 + V, 2), targets = randomTargets(N, V, V);
      const got = await runStats(ctx, logits, targets, N, V, temperature);
      const ref = logitStatsRef(logits, targets, N, V, temperature);
      const tol = { atol: 2e-5, rtol: 1e-4 };
      expectClose(got.logp, ref.logp, { ...tol, what: `logp ${N}×${V}` });
      expectClose(got.entropy, ref.entropy, { ...tol, what: `entropy ${N}×${V}` });
      expectClose(got.vmean, ref.vmean, { ...tol, what: `vmean ${N}×${V}` });
    }
  });

  it.each([1, 0.3])('leaves excluded logits out of the support: probability 0, not in entropy or vmean (τ=%s)', async (temperature) => {
    const ctx = await testContext();
    for (const [N, V] of [[17, 5], [3, 33], [130, 17]] as const) {
      const base = randn(N * V, N + 2 * V, 2);
      const logits = excludeSome(base, N, V), targets = randomTargets(N, V, V + 1);
      const got = await runStats(ctx, logits, targets, N, V, temperature);
      const ref = logitStatsRef(logits, targets, N, V, temperature);
      for (let n = 0; n < N; n++) {
        // The same statistics as a softmax over the remaining entries alone.
        const kept = Array.from(base.subarray(n * V, (n + 1) * V)).filter((_, v) => v !== 0 && v !== (3 + n) % V).map((x) => x / temperature);
        const zmax = Math.max(...kept);
        const lse = zmax + Math.log(kept.reduce((a, z) => a + Math.exp(z - zmax), 0));
        const vmean = kept.reduce((a, z) => a + z, 0) / kept.length - lse;
        const entropy = -kept.reduce((a, z) => a + Math.exp(z - lse) * (z - lse), 0);
        expect(Math.abs(ref.vmean[n] - vmean)).toBeLessThan(1e-5 * Math.abs(vmean) + 1e-5);
        expect(Math.abs(ref.entropy[n] - entropy)).toBeLessThan(1e-5);
      }
      const tol = { atol: 2e-5, rtol: 1e-4 };
      expectClose(got.entropy, ref.entropy, { ...tol, what: `entropy ${N}×${V}` });
      expectClose(got.vmean, ref.vmean, { ...tol, what: `vmean ${N}×${V}` });
      for (let n = 0; n < N; n++) {
        if (logits[n * V + targets[n]] > -1e29) expect(Math.abs(got.logp[n] - ref.logp[n])).toBeLessThan(2e-5 + 1e-4 * Math.abs(ref.logp[n]));
        else expect(got.logp[n]).toBeLessThan(-1e28);
      }
    }
  });

  it('places row n of each sequence at (n / seq)·seqStride + n % seq + offset', async () => {
    const ctx = await testContext();
    const [B, seq, stride, offset, V] = [3, 4, 7, 2, 11];
    const N = B * seq;
    const logits = randn(N * V, 5, 2);
    const targetsBT = randomTargets(B * stride, V, 6);
    const tl = ctx.tensor([N, V], 'f32', logits), tt = ctx.tensor([B * stride], 'u32', targetsBT);
    const outs = [ctx.tensor([B * stride]), ctx.tensor([B * stride]), ctx.tensor([B * stride])];
    for (const o of outs) ctx.write(o, new Float32Array(B * stride).fill(7));
    logitStats(ctx, tl, tt, outs[0], outs[1], outs[2], N, V, 0.9, { seq, seqStride: stride, offset });
    const [logp, entropy, vmean] = (await ctx.readMany(outs)) as Float32Array[];
    const placed = (n: number) => Math.floor(n / seq) * stride + (n % seq) + offset;
    const ref = logitStatsRef(logits, Array.from({ length: N }, (_, n) => targetsBT[placed(n)]), N, V, 0.9);
    const written = new Set(Array.from({ length: N }, (_, n) => placed(n)));
    for (let n = 0; n < N; n++) {
      expect(Math.abs(logp[placed(n)] - ref.logp[n])).toBeLessThan(1e-4);
      expect(Math.abs(entropy[placed(n)] - ref.entropy[n])).toBeLessThan(1e-4);
      expect(Math.abs(vmean[placed(n)] - ref.vmean[n])).toBeLessThan(1e-4);
    }
    for (let i = 0; i < B * stride; i++) if (!written.has(i)) expect([logp[i], entropy[i], vmean[i]]).toEqual([7, 7, 7]);
    expect(() => logitStats(ctx, tl, tt, outs[0], outs[1], outs[2], N, V, 1, { seq: 5, seqStride: 7, offset: 0 })).toThrow(/placement/);
    for (const t of [tl, tt, ...outs]) t.dispose();
  });

  it('repeats a row\'s statistics over its copies, each scoring its own target', async () => {
    const ctx = await testContext();
    const [B, seq, copies, T, V] = [2, 3, 3, 5, 9];
    const N = B * seq, stride = copies * T;
    const logits = randn(N * V, 9, 2);
    const targetsBT = randomTargets(B * stride, V, 10);
    const tl = ctx.tensor([N, V], 'f32', logits), tt = ctx.tensor([B * stride], 'u32', targetsBT);
    const outs = [ctx.tensor([B * stride]), ctx.tensor([B * stride]), ctx.tensor([B * stride])];
    for (const o of outs) ctx.write(o, new Float32Array(B * stride).fill(7));
    logitStats(ctx, tl, tt, outs[0], outs[1], outs[2], N, V, 1.1, { seq, seqStride: stride, offset: 0, copies, copyStride: T });
    const [logp, entropy, vmean] = (await ctx.readMany(outs)) as Float32Array[];
    const written = new Set<number>();
    for (let c = 0; c < copies; c++) {
      const placed = (n: number) => Math.floor(n / seq) * stride + (n % seq) + c * T;
      const ref = logitStatsRef(logits, Array.from({ length: N }, (_, n) => targetsBT[placed(n)]), N, V, 1.1);
      for (let n = 0; n < N; n++) {
        written.add(placed(n));
        expect(Math.abs(logp[placed(n)] - ref.logp[n])).toBeLessThan(1e-4);
        expect(entropy[placed(n)]).toBe(entropy[placed(n) - c * T]);
        expect(Math.abs(vmean[placed(n)] - ref.vmean[n])).toBeLessThan(1e-4);
      }
    }
    expect(written.size).toBe(N * copies);
    for (let i = 0; i < B * stride; i++) if (!written.has(i)) expect([logp[i], entropy[i], vmean[i]]).toEqual([7, 7, 7]);
    expect(() => logitStats(ctx, tl, tt, outs[0], outs[1], outs[2], N, V, 1, { seq, seqStride: stride, offset: 0, copies, copyStride: 2 })).toThrow(/copies/);
    expect(() => logitStats(ctx, tl, tt, outs[0], outs[1], outs[2], N, V, 1, { seq, seqStride: stride, offset: 3, copies, copyStride: T })).toThrow(/copies/);
    for (const t of [tl, tt, ...outs]) t.dispose();
  });

  it('places row n at n·stride + positions[n], skipping rows at the last column', async () => {
    const ctx = await testContext();
    const [N, stride, V] = [6, 5, 11];
    const logits = randn(N * V, 7, 2);
    const targetsNT = randomTargets(N * stride, V, 8);
    const positions = Uint32Array.from([0, 3, 4, 2, 4, 1]); // rows 2 and 4 at the last column
    const tl = ctx.tensor([N, V], 'f32', logits), tt = ctx.tensor([N * stride], 'u32', targetsNT), tp = ctx.tensor([N], 'u32', positions);
    const outs = [ctx.tensor([N * stride]), ctx.tensor([N * stride]), ctx.tensor([N * stride])];
    for (const o of outs) ctx.write(o, new Float32Array(N * stride).fill(7));
    logitStats(ctx, tl, tt, outs[0], outs[1], outs[2], N, V, 0.9, { positions: tp, stride });
    const [logp, entropy, vmean] = (await ctx.readMany(outs)) as Float32Array[];
    const placed = (n: number) => n * stride + positions[n];
    const ref = logitStatsRef(logits, Array.from({ length: N }, (_, n) => targetsNT[placed(n)]), N, V, 0.9);
    const written = new Set<number>();
    for (let n = 0; n < N; n++) {
      if (positions[n] + 1 >= stride) continue;
      written.add(placed(n));
      expect(Math.abs(logp[placed(n)] - ref.logp[n])).toBeLessThan(1e-4);
      expect(Math.abs(entropy[placed(n)] - ref.entropy[n])).toBeLessThan(1e-4);
      expect(Math.abs(vmean[placed(n)] - ref.vmean[n])).toBeLessThan(1e-4);
    }
    expect(written.size).toBe(4);
    for (let i = 0; i < N * stride; i++) if (!written.has(i)) expect([logp[i], entropy[i], vmean[i]]).toEqual([7, 7, 7]);
    expect(() => logitStats(ctx, tl, tt, outs[0], outs[1], outs[2], N, V, 1, { positions: tp, stride: 6 })).toThrow(/need 36/);
    for (const t of [tl, tt, tp, ...outs]) t.dispose();
  });

  it('vmean equals mean(z) − logsumexp(z), and stays finite for large logits', async () => {
    const ctx = await testContext();
    const N = 33, V = 17, temperature = 0.5;
    const logits = randn(N * V, 4, 40);
    const got = await runStats(ctx, logits, randomTargets(N, V, 1), N, V, temperature);
    for (let n = 0; n < N; n++) {
      const z = Array.from(logits.subarray(n * V, (n + 1) * V), (x) => x / temperature);
      const zmax = Math.max(...z);
      const lse = zmax + Math.log(z.reduce((s, x) => s + Math.exp(x - zmax), 0));
      const expected = z.reduce((s, x) => s + x, 0) / V - lse;
      expect(Math.abs(got.vmean[n] - expected)).toBeLessThan(1e-4 * Math.abs(expected) + 1e-4);
      expect(Number.isFinite(got.entropy[n]) && Number.isFinite(got.logp[n])).toBe(true);
    }
  });

  it('is bit-identical when run twice', async () => {
    const ctx = await testContext();
    const N = 130, V = 33;
    const logits = randn(N * V, 8), targets = randomTargets(N, V, 8);
    const a = await runStats(ctx, logits, targets, N, V, 0.9);
    const b = await runStats(ctx, logits, targets, N, V, 0.9);
    expect(Array.from(b.logp)).toEqual(Array.from(a.logp));
    expect(Array.from(b.entropy)).toEqual(Array.from(a.entropy));
    expect(Array.from(b.vmean)).toEqual(Array.from(a.vmean));
  });
});

type GradName = 'dlogp' | 'dentropy' | 'dvmean';
const GRAD_SETS: GradName[][] = [['dlogp', 'dentropy', 'dvmean'], ['dlogp'], ['dentropy'], ['dvmean'], []];

describe('logitStatsBackward', () => {
  it.each(GRAD_SETS.map((g) => [g.join('+') || 'none', g] as const))('matches the reference with %s', async (_, names) => {
    const ctx = await testContext();
    for (const [N, V] of [[1, 1], [3, 17], [17, 3], [33, 130], [5, 1000]] as const) {
      const temperature = 0.8;
      const logits = excludeSome(randn(N * V, N + V, 1.5), N, V), targets = randomTargets(N, V, N * V);
      const host: Partial<Record<GradName, Float32Array>> = {};
      names.forEach((name, i) => (host[name] = randn(N, 100 + i)));
      const tl = ctx.tensor([N, V], 'f32', logits), tt = ctx.tensor([N], 'u32', targets), out = ctx.tensor([N, V]);
      const grads: Partial<Record<GradName, ReturnType<GpuContext['tensor']>>> = {};
      for (const name of names) grads[name] = ctx.tensor([N], 'f32', host[name]);
      ctx.write(out, new Float32Array(N * V).fill(Number.NaN));
      logitStatsBackward(ctx, tl, tt, out, N, V, temperature, grads);
      const expected = logitStatsBackwardRef(logits, targets, N, V, temperature, host.dlogp, host.dentropy, host.dvmean);
      expectClose(await ctx.read(out), expected, { atol: 1e-6, rtol: 1e-4, what: `dlogits ${N}×${V}` });
      for (const t of [tl, tt, out, ...Object.values(grads)]) t.dispose();
    }
  });

  it('the reference is the gradient of Σ a·logp + b·H + c·vmean (central differences, float64)', () => {
    const N = 3, V = 5, temperature = 0.7;
    const x = Float64Array.from(excludeSome(randn(N * V, 12, 1.3), N, V));
    // Score included tokens: an excluded one has log-prob ≈ −1e30, whose differences drown in rounding.
    const targets = Uint32Array.from({ length: N }, (_, n) => [1, 2, 4][n]);
    const a = randn(N, 13), b = randn(N, 14), c = randn(N, 15);
    const f = (z: Float64Array) => {
      const r = logitStatsRef64(z, targets, N, V, temperature);
      let s = 0;
      for (let n = 0; n < N; n++) s += a[n] * r.logp[n] + b[n] * r.entropy[n] + c[n] * r.vmean[n];
      return s;
    };
    const analytic = logitStatsBackwardRef(x, targets, N, V, temperature, a, b, c);
    const numeric = Array.from(x, (_, i) => finiteDiff(f, x, i));
    expectClose(analytic, numeric, { atol: 1e-6, rtol: 1e-5, what: 'dlogits vs finite differences' });
    // Excluded entries are constants: no gradient, and (checked above) no change under perturbation.
    for (let n = 0; n < N; n++) for (const v of [0, (3 + n) % V]) expect(analytic[n * V + v]).toBe(0);
    expect(analytic.some((g) => g !== 0)).toBe(true);
  });

  it('is bit-identical when run twice', async () => {
    const ctx = await testContext();
    const N = 33, V = 130;
    const tl = ctx.tensor([N, V], 'f32', randn(N * V, 2)), tt = ctx.tensor([N], 'u32', randomTargets(N, V, 2));
    const g = { dlogp: ctx.tensor([N], 'f32', randn(N, 3)), dentropy: ctx.tensor([N], 'f32', randn(N, 4)), dvmean: ctx.tensor([N], 'f32', randn(N, 5)) };
    const o1 = ctx.tensor([N, V]), o2 = ctx.tensor([N, V]);
    logitStatsBackward(ctx, tl, tt, o1, N, V, 1.3, g);
    logitStatsBackward(ctx, tl, tt, o2, N, V, 1.3, g);
    const [r1, r2] = await ctx.readMany([o1, o2]);
    expect(Array.from(r2)).toEqual(Array.from(r1));
  });
});

describe('crossEntropy', () => {
  async function runCrossEntropy(ctx: GpuContext, logits: Float32Array, targets: Uint32Array, mask: Float32Array, N: number, V: number) {
    const tl = ctx.tensor([N, V], 'f32', logits), tt = ctx.tensor([N], 'u32', targets), tm = ctx.tensor([N], 'f32', mask);
    const losses = ctx.tensor([N]), dlogits = ctx.tensor([N, V]);
    crossEntropy(ctx, tl, tt, tm, losses, dlogits, N, V);
    const [l, d] = (await ctx.readMany([losses, dlogits])) as Float32Array[];
    for (const t of [tl, tt, tm, losses, dlogits]) t.dispose();
    return { losses: l, dlogits: d };
  }

  it('matches the reference loss and gradient with padding masked out', async () => {
    const ctx = await testContext();
    for (const [N, V] of [[1, 3], [17, 33], [130, 17], [33, 1000]] as const) {
      const logits = excludeSome(randn(N * V, 3 * N + V, 2), N, V), targets = randomTargets(N, V, N);
      // Rows that target an excluded token are masked out, as padding is.
      const mask = randu(N, N, 0, 1).map((u, n) => (u < 0.3 || logits[n * V + targets[n]] < -1e29 ? 0 : 1));
      if (logits[targets[0]] > -1e29) mask[0] = 1;
      const got = await runCrossEntropy(ctx, logits, targets, mask, N, V);
      const ref = crossEntropyRef(logits, targets, mask, N, V);
      const total = mask.reduce((s, m) => s + m, 0);
      const loss = got.losses.reduce((s, l) => s + l, 0) / total;
      expect(Math.abs(loss - ref.loss)).toBeLessThan(1e-5 * Math.abs(ref.loss) + 1e-6);
      for (let n = 0; n < N; n++) if (mask[n] === 0) expect(got.losses[n]).toBe(0);
      expectClose(got.dlogits, ref.dlogits, { atol: 1e-7, rtol: 1e-4, what: `dlogits ${N}×${V}` });
    }
  });

  it('an all-padding batch gives zero loss and zero gradient', async () => {
    const ctx = await testContext();
    const N = 3, V = 17;
    const got = await runCrossEntropy(ctx, randn(N * V, 1), randomTargets(N, V, 1), new Float32Array(N), N, V);
    expect(Array.from(got.losses)).toEqual([0, 0, 0]);
    expect(got.dlogits.every((g) => g === 0)).toBe(true);
  });

  it('the reference gradient matches central differences of its loss (float64)', () => {
    const N = 4, V = 6;
    const x = Float64Array.from(randn(N * V, 21, 1.5));
    const targets = randomTargets(N, V, 21);
    const mask = [1, 0, 1, 0.5];
    const analytic = crossEntropyRef(x, targets, mask, N, V).dlogits;
    const numeric = Array.from(x, (_, i) => finiteDiff((z) => crossEntropyRef(z, targets, mask, N, V).loss, x, i));
    expectClose(analytic, numeric, { atol: 1e-7, rtol: 1e-5, what: 'cross-entropy gradient' });
  });
});
