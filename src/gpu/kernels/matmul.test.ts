import { describe, expect, it } from 'vitest';
import { expectClose, randn, testContext } from '../../testing/gpu';
import { type MatmulLayout, columnSumRef, matmulRef } from '../reference/matmul';
import { type MatmulGrid, columnSum, matmul, matmulGrids, matmulKernel } from './matmul';

const LAYOUTS: MatmulLayout[] = ['nn', 'nt', 'tn'];

// Mixes of awkward sizes, aligned sizes (the vec4 path) and one larger shape.
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 17, 1],
  [1, 33, 130],
  [17, 3, 33],
  [33, 130, 17],
  [130, 1, 3],
  [4, 4, 4],
  [12, 36, 20],
  [68, 132, 36],
  [70, 130, 257],
  [64, 128, 96],
];

interface Case {
  M: number;
  K: number;
  N: number;
  layout: MatmulLayout;
  withBias?: boolean;
  accumulate?: boolean;
  seed?: number;
  grid?: MatmulGrid;
}

async function runCase({ M, K, N, layout, withBias = false, accumulate = false, seed = 1, grid }: Case) {
  const ctx = await testContext();
  const a = randn(M * K, seed), b = randn(K * N, seed + 1);
  const bias = withBias ? randn(N, seed + 2) : undefined;
  const before = accumulate ? randn(M * N, seed + 3) : undefined;
  const ta = ctx.tensor([M * K], 'f32', a), tb = ctx.tensor([K * N], 'f32', b);
  const tbias = bias ? ctx.tensor([N], 'f32', bias) : undefined;
  const out = ctx.tensor([M * N], 'f32', before ?? new Float32Array(M * N).fill(Number.NaN));
  matmul(ctx, ta, tb, out, { M, K, N, layout, bias: tbias, accumulate, grid });
  const got = await ctx.read(out);
  for (const t of [ta, tb, tbias, out]) t?.dispose();
  return { got, want: matmulRef(a, b, M, K, N, layout, bias, before) };
}

/** float32 sums of K products of unit normals: error grows like √K·ε relative to the terms. */
const tolerance = (K: number) => ({ atol: 2e-6 * Math.sqrt(K + 1) * 4, rtol: 1e-5 });

describe('matmul', () => {
  for (const layout of LAYOUTS) {
    it.each(SHAPES)(`${layout} matches the reference for M=%i K=%i N=%i`, async (M, K, N) => {
      const { got, want } = await runCase({ M, K, N, layout });
      expectClose(got, want, tolerance(K));
    });

    it.each([
      [17, 33, 3, false],
      [3, 130, 33, true],
      [20, 36, 12, false],
      [20, 36, 12, true],
    ] as const)(`${layout} adds bias and accumulates, M=%i K=%i N=%i accumulate=%s`, async (M, K, N, accumulate) => {
      const { got, want } = await runCase({ M, K, N, layout, withBias: true, accumulate, seed: 5 });
      expectClose(got, want, tolerance(K));
    });
  }

  it('accumulates without a bias on both paths', async () => {
    for (const [M, K, N] of [[33, 17, 130], [8, 16, 24]]) {
      const { got, want } = await runCase({ M, K, N, layout: 'tn', accumulate: true, seed: 9 });
      expectClose(got, want, tolerance(K));
    }
  });

  it('reads and writes views into larger buffers (parameters live in one block)', async () => {
    const ctx = await testContext();
    // Views start on 64-element (256-byte) boundaries: W at 64, its bias at 192, C at 128.
    const [M, K, N] = [20, 12, 8];
    const x = randn(M * K, 31), block = randn(192 + N, 32), before = randn(128 + M * N, 33);
    const tx = ctx.tensor([M * K], 'f32', x), tblock = ctx.tensor([block.length], 'f32', block), tout = ctx.tensor([before.length], 'f32', before);
    const w = tblock.view([N, K], 64), bias = tblock.view([N], 192), out = tout.view([M, N], 128);
    matmul(ctx, tx, w, out, { M, K, N, layout: 'nt', bias, accumulate: true });
    const got = await ctx.read(tout);
    const want = matmulRef(x, block.subarray(64, 64 + K * N), M, K, N, 'nt', block.subarray(192), before.subarray(128));
    expectClose(got.subarray(128), want, tolerance(K));
    expect(got.subarray(0, 128)).toEqual(before.subarray(0, 128));
    for (const t of [tx, tblock, tout]) t.dispose();
  });

  it('with K = 0 writes only the bias', async () => {
    const { got, want } = await runCase({ M: 3, K: 0, N: 5, layout: 'nt', withBias: true });
    expectClose(got, want, { atol: 0, rtol: 0 });
  });

  it.each([
    [70, 130, 257],
    [64, 128, 96],
  ])('is bit-identical across runs, M=%i K=%i N=%i', async (M, K, N) => {
    const first = await runCase({ M, K, N, layout: 'nt', withBias: true, seed: 11 });
    const second = await runCase({ M, K, N, layout: 'nt', withBias: true, seed: 11 });
    expect(Buffer.from(second.got.buffer).equals(Buffer.from(first.got.buffer))).toBe(true);
  });

  // The sampler multiplies a few rows at a time, the training forward all rows at once; π_old's
  // log-probs come from the sampler, so a row's result must not depend on M or on the path (vec4 or general).
  it.each([1, 3, 17, 61])('gives each row the same bits whatever the number of rows: M=%i against M=64', async (M) => {
    const [K, N] = [32, 96];
    const all = await runCase({ M: 64, K, N, layout: 'nt', withBias: true, seed: 40 });
    const some = await runCase({ M, K, N, layout: 'nt', withBias: true, seed: 40 });
    // randn draws one sequence per seed, so the first M rows of A are the same in both cases.
    const want = all.got.subarray(0, M * N);
    expect(Buffer.from(some.got.buffer).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength))).toBe(true);
  });

  // The grid is chosen by adapter; each grid the device can run must give the reference, and the same bits as the others.
  it.each([
    [1, 33, 130],
    [70, 130, 257],
    [68, 132, 36],
    [260, 32, 96],
    [4, 8, 16],
  ])('every layout on every grid matches the reference and the other grids bit for bit, M=%i K=%i N=%i', async (M, K, N) => {
    const grids = matmulGrids(await testContext());
    for (const layout of LAYOUTS) {
      const first = await runCase({ M, K, N, layout, withBias: true, seed: 7, grid: grids[0] });
      expectClose(first.got, first.want, { ...tolerance(K), what: `${layout} grid ${grids[0]}` });
      for (const grid of grids.slice(1)) {
        const here = await runCase({ M, K, N, layout, withBias: true, seed: 7, grid });
        expect(Buffer.from(here.got.buffer).equals(Buffer.from(first.got.buffer)), `${layout}: grid ${grid} against ${grids[0]}`).toBe(true);
      }
    }
  });

  it("offers the 'shared' grid only with 4-lane subgroups, and refuses it clearly elsewhere", async () => {
    const ctx = await testContext();
    expect(matmulGrids(ctx).includes('shared')).toBe(ctx.subgroupSize === 4);
    const fake = { subgroupSize: null } as unknown as typeof ctx;
    expect(() => matmulKernel(fake, 'matmul', 'nt_v4', 'shared')).toThrow(/'shared' grid needs subgroups of 4 lanes; this device has no fixed subgroup size/);
    expect(matmulKernel(fake, 'matmul', 'nt_v4', 'square')).toEqual({ shader: 'matmul', entry: 'nt_v4', constants: { WG_X: 4, WG_Y: 4 }, defines: [] });
  });

  it('refuses mismatched sizes clearly', async () => {
    const ctx = await testContext();
    const a = ctx.tensor([6]), b = ctx.tensor([9]), out = ctx.tensor([4]);
    expect(() => matmul(ctx, a, b, out, { M: 2, K: 3, N: 3, layout: 'nn' })).toThrow(/C has 4 elements.*expected 6/);
    for (const t of [a, b, out]) t.dispose();
  });
});

describe('columnSum', () => {
  it.each([
    [1, 1],
    [3, 17],
    [130, 33],
    [17, 130],
    [33, 1],
  ])('matches the reference for M=%i N=%i', async (M, N) => {
    const ctx = await testContext();
    const x = randn(M * N, 21);
    const tx = ctx.tensor([M * N], 'f32', x), out = ctx.tensor([N]);
    columnSum(ctx, tx, out, M, N);
    expectClose(await ctx.read(out), columnSumRef(x, M, N), tolerance(M));
    tx.dispose();
    out.dispose();
  });

  it('accumulates into the existing sums', async () => {
    const ctx = await testContext();
    const [M, N] = [33, 17];
    const x = randn(M * N, 22), before = randn(N, 23);
    const tx = ctx.tensor([M * N], 'f32', x), out = ctx.tensor([N], 'f32', before);
    columnSum(ctx, tx, out, M, N, true);
    const want = columnSumRef(x, M, N).map((s, n) => s + before[n]);
    expectClose(await ctx.read(out), want, tolerance(M));
    tx.dispose();
    out.dispose();
  });
});
