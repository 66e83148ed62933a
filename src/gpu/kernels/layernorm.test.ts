import { describe, expect, it } from 'vitest';
import { AWKWARD, expectClose, finiteDiff, randn, testContext } from '../../testing/gpu';
import { layernormBackward64, layernormBackwardRef, layernormBackwardResidual64, layernormBackwardResidualRef, layernormForward64, layernormForwardRef } from '../reference/layernorm';
import type { GpuContext } from '../context';
import { normStats } from '../../model/block';
import type { Tensor } from '../tensor';
import { add } from './elementwise';
import { layernormBackward, layernormBackwardResidual, layernormForward } from './layernorm';

// [5, 72]: dw and db over two workgroups of vec4s; [33, 130], [2, 300]: over several of channels.
const SHAPES: [number, number][] = [...AWKWARD.map((N): [number, number] => [N, 36]), [17, 4], [3, 12], [5, 72], [33, 130], [2, 300]];

/** Means and rstds as a model holds them (normStats): views of one buffer, the rstds after the means; `all` owns it. */
function stats(ctx: GpuContext, N: number, values?: { mean: Float32Array; rstd: Float32Array }): { all: Tensor; mean: Tensor; rstd: Tensor } {
  let all: Tensor | null = null;
  const [mean, rstd] = normStats((shape) => (all = ctx.tensor(shape)), N);
  if (values) {
    ctx.write(mean, values.mean);
    ctx.write(rstd, values.rstd);
  }
  return { all: all!, mean, rstd };
}

function inputs(N: number, C: number, seed: number) {
  // An offset mean and a spread scale exercise the centring and the variance.
  const x = randn(N * C, seed, 2).map((v, i) => v + (i % C === 0 ? 5 : 1));
  return { x, w: randn(C, seed + 1), b: randn(C, seed + 2), dout: randn(N * C, seed + 3) };
}

describe('layernorm', () => {
  it.each(SHAPES)('forward and backward match the reference for N=%i C=%i', async (N, C) => {
    const ctx = await testContext();
    const { x, w, b, dout } = inputs(N, C, N * 131 + C);
    const tx = ctx.tensor([N, C], 'f32', x), tw = ctx.tensor([C], 'f32', w), tb = ctx.tensor([C], 'f32', b);
    const out = ctx.tensor([N, C]), { all, mean, rstd } = stats(ctx, N);
    const tdout = ctx.tensor([N, C], 'f32', dout), dx = ctx.tensor([N, C]), dw = ctx.tensor([C]), db = ctx.tensor([C]);
    layernormForward(ctx, tx, tw, tb, out, mean, rstd, N, C);
    layernormBackward(ctx, tdout, tx, tw, mean, rstd, dx, dw, db, N, C);
    const [gOut, gMean, gRstd, gDx, gDw, gDb] = await ctx.readMany([out, mean, rstd, dx, dw, db]);
    const f = layernormForwardRef(x, w, b, N, C);
    expectClose(gOut, f.out, { atol: 1e-5, rtol: 1e-4, what: 'out' });
    expectClose(gMean, f.mean, { atol: 1e-5, rtol: 1e-5, what: 'mean' });
    expectClose(gRstd, f.rstd, { atol: 1e-6, rtol: 1e-5, what: 'rstd' });
    const g = layernormBackwardRef(dout, x, w, f.mean, f.rstd, N, C);
    expectClose(gDx, g.dx, { atol: 1e-4, rtol: 1e-4, what: 'dx' });
    expectClose(gDw, g.dw, { atol: 1e-4, rtol: 1e-4, what: 'dw' });
    expectClose(gDb, g.db, { atol: 1e-4, rtol: 1e-4, what: 'db' });
    for (const t of [tx, tw, tb, out, all, tdout, dx, dw, db]) t.dispose();
  });

  it('accumulates parameter gradients when asked', async () => {
    const ctx = await testContext();
    const N = 17, C = 12;
    const { x, w, b, dout } = inputs(N, C, 5);
    const f = layernormForwardRef(x, w, b, N, C);
    const prevDw = randn(C, 8), prevDb = randn(C, 9);
    const tx = ctx.tensor([N, C], 'f32', x), tw = ctx.tensor([C], 'f32', w), { all, mean, rstd } = stats(ctx, N, f);
    const tdout = ctx.tensor([N, C], 'f32', dout), dx = ctx.tensor([N, C]), dw = ctx.tensor([C], 'f32', prevDw), db = ctx.tensor([C], 'f32', prevDb);
    layernormBackward(ctx, tdout, tx, tw, mean, rstd, dx, dw, db, N, C, true);
    const [gDw, gDb] = await ctx.readMany([dw, db]);
    const g = layernormBackwardRef(dout, x, w, f.mean, f.rstd, N, C);
    expectClose(gDw, g.dw.map((v, i) => v + prevDw[i]), { atol: 1e-4, rtol: 1e-4, what: 'dw' });
    expectClose(gDb, g.db.map((v, i) => v + prevDb[i]), { atol: 1e-4, rtol: 1e-4, what: 'db' });
    for (const t of [tx, tw, all, tdout, dx, dw, db]) t.dispose();
  });

  it('reference backward matches central differences of the reference forward', () => {
    const N = 3, C = 5;
    const { x, w, b, dout } = inputs(N, C, 21);
    const x64 = Float64Array.from(x), w64 = Float64Array.from(w), b64 = Float64Array.from(b);
    const loss = () => layernormForward64(x64, w64, b64, N, C).out.reduce((s, o, i) => s + o * dout[i], 0);
    const f = layernormForward64(x64, w64, b64, N, C);
    const g = layernormBackward64(dout, x64, w64, f.mean, f.rstd, N, C);
    const fd = (v: Float64Array) => Array.from(v, (_, i) => finiteDiff(loss, v, i));
    expectClose(g.dx, fd(x64), { atol: 1e-7, rtol: 1e-6, what: 'dx' });
    expectClose(g.dw, fd(w64), { atol: 1e-7, rtol: 1e-6, what: 'dw' });
    expectClose(g.db, fd(b64), { atol: 1e-7, rtol: 1e-6, what: 'db' });
  });

  it('is deterministic', async () => {
    const ctx = await testContext();
    const N = 130, C = 36;
    const { x, w, b, dout } = inputs(N, C, 3);
    const tx = ctx.tensor([N, C], 'f32', x), tw = ctx.tensor([C], 'f32', w), tb = ctx.tensor([C], 'f32', b);
    const out = ctx.tensor([N, C]), { all, mean, rstd } = stats(ctx, N);
    const tdout = ctx.tensor([N, C], 'f32', dout), dx = ctx.tensor([N, C]), dw = ctx.tensor([C]), db = ctx.tensor([C]);
    const run = () => {
      layernormForward(ctx, tx, tw, tb, out, mean, rstd, N, C);
      layernormBackward(ctx, tdout, tx, tw, mean, rstd, dx, dw, db, N, C);
      return ctx.readMany([out, mean, rstd, dx, dw, db]);
    };
    expect(await run()).toEqual(await run());
    for (const t of [tx, tw, tb, out, all, tdout, dx, dw, db]) t.dispose();
  });

  it.each([[1, 36], [17, 4], [33, 130], [130, 3], [64, 32]])('backward with the residual gradient matches the reference and layernormBackward + add bit for bit, N=%i C=%i', async (N, C) => {
    const ctx = await testContext();
    const { x, w, b, dout } = inputs(N, C, N * 7 + C);
    const dres = randn(N * C, N + C);
    const f = layernormForwardRef(x, w, b, N, C);
    const tx = ctx.tensor([N, C], 'f32', x), tw = ctx.tensor([C], 'f32', w), { all, mean, rstd } = stats(ctx, N, f);
    const tdout = ctx.tensor([N, C], 'f32', dout), tdres = ctx.tensor([N, C], 'f32', dres);
    const dx = ctx.tensor([N, C]), dw = ctx.tensor([C]), db = ctx.tensor([C]);
    const branch = ctx.tensor([N, C]), unfused = ctx.tensor([N, C]), dw2 = ctx.tensor([C]), db2 = ctx.tensor([C]);
    layernormBackwardResidual(ctx, tdout, tx, tw, mean, rstd, tdres, dx, dw, db, N, C);
    layernormBackward(ctx, tdout, tx, tw, mean, rstd, branch, dw2, db2, N, C);
    add(ctx, tdres, branch, unfused);
    const [gDx, gDw, gDb, uDx, uDw, uDb] = await ctx.readMany([dx, dw, db, unfused, dw2, db2]);
    const g = layernormBackwardResidualRef(dout, dres, x, w, f.mean, f.rstd, N, C);
    expectClose(gDx, g.dx, { atol: 1e-4, rtol: 1e-4, what: 'dx' });
    expectClose(gDw, g.dw, { atol: 1e-4, rtol: 1e-4, what: 'dw' });
    expect([gDx, gDw, gDb]).toEqual([uDx, uDw, uDb]);
    for (const t of [tx, tw, all, tdout, tdres, dx, dw, db, branch, unfused, dw2, db2]) t.dispose();
  });

  it('reference backward with the residual matches central differences of x + LayerNorm(x) terms', () => {
    const N = 3, C = 5;
    const { x, w, b, dout } = inputs(N, C, 23);
    const dres = randn(N * C, 24);
    const x64 = Float64Array.from(x);
    // L = Σ dres ⊙ x (the skip connection) + Σ dout ⊙ LayerNorm(x) (the branch).
    const loss = () => layernormForward64(x64, w, b, N, C).out.reduce((s, o, i) => s + o * dout[i] + dres[i] * x64[i], 0);
    const f = layernormForward64(x64, w, b, N, C);
    const g = layernormBackwardResidual64(dout, dres, x64, w, f.mean, f.rstd, N, C);
    expectClose(g.dx, Array.from(x64, (_, i) => finiteDiff(loss, x64, i)), { atol: 1e-7, rtol: 1e-6, what: 'dx' });
  });
});
