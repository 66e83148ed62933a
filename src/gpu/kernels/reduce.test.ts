import { describe, expect, it } from 'vitest';
import { AWKWARD, expectClose, randn, testContext } from '../../testing/gpu';
import { type ReduceOp, reduceAllRef, reduceRowsRef, sumOfSquaresRef } from '../reference/reduce';
import { type RowStrategy, reduceAll, reduceRows, sumOfSquares } from './reduce';

const OPS: ReduceOp[] = ['sum', 'mean', 'var', 'max'];

// f32 accumulation against a float64 reference: error grows with the length and the magnitude of the partial sums.
function tolerance(op: ReduceOp, L: number): { atol: number; rtol: number } {
  if (op === 'max') return { atol: 0, rtol: 0 };
  return { atol: 2e-6 * Math.sqrt(L) + 1e-6, rtol: 1e-5 };
}

describe('reduceRows', () => {
  const shapes: [number, number][] = [];
  for (const R of [1, 17, 130]) for (const L of AWKWARD) shapes.push([R, L]);
  shapes.push([3, 1000], [2, 5000]);

  const cases = OPS.flatMap((op) => (['serial', 'tree'] as RowStrategy[]).map((strategy) => [op, strategy] as const));
  it.each(cases)('%s (%s) matches the float64 reference on awkward shapes', async (op, strategy) => {
    const ctx = await testContext();
    // A workgroup with barriers per row is slow on a CPU adapter: few rows suffice to cover the tree.
    for (const [R, L] of strategy === 'tree' ? shapes.filter(([R]) => R <= 3) : shapes) {
      // An offset makes var sensitive to cancellation: a one-pass E[x²]−E[x]² would fail here.
      const x = randn(R * L, R * 1000 + L).map((v) => v + 3);
      const tx = ctx.tensor([R, L], 'f32', x), out = ctx.tensor([R]);
      reduceRows(ctx, tx, out, R, L, op, strategy);
      expectClose(await ctx.read(out), reduceRowsRef(x, R, L, op), { ...tolerance(op, L), what: `${op} ${R}×${L}` });
      tx.dispose();
      out.dispose();
    }
  });

  it('is bit-identical when run twice', async () => {
    const ctx = await testContext();
    const R = 5, L = 777;
    const tx = ctx.tensor([R, L], 'f32', randn(R * L, 5)), a = ctx.tensor([R]), b = ctx.tensor([R]);
    for (const [op, strategy] of cases) {
      reduceRows(ctx, tx, a, R, L, op, strategy);
      reduceRows(ctx, tx, b, R, L, op, strategy);
      const [ra, rb] = await ctx.readMany([a, b]);
      expect(Array.from(rb), `${op} ${strategy}`).toEqual(Array.from(ra));
    }
    for (const t of [tx, a, b]) t.dispose();
  });
});

describe('reduceAll and sumOfSquares', () => {
  const sizes = [...AWKWARD, 1025, 70_001];

  it.each(OPS)('%s over the whole tensor matches float64', async (op) => {
    const ctx = await testContext();
    for (const n of sizes) {
      const x = randn(n, n).map((v) => v * 0.5 + 1);
      const tx = ctx.tensor([n], 'f32', x), out = ctx.tensor([1]);
      reduceAll(ctx, tx, out, op);
      const expected = reduceAllRef(x, op);
      const [got] = await ctx.read(out);
      expectClose([got], [expected], { ...tolerance(op, n), what: `${op} n=${n}` });
      tx.dispose();
      out.dispose();
    }
  });

  it('sumOfSquares matches float64 and is bit-identical twice', async () => {
    const ctx = await testContext();
    for (const n of sizes) {
      const x = randn(n, 2 * n + 1);
      const tx = ctx.tensor([n], 'f32', x), a = ctx.tensor([1]), b = ctx.tensor([1]);
      sumOfSquares(ctx, tx, a);
      sumOfSquares(ctx, tx, b);
      const [ra, rb] = await ctx.readMany([a, b]);
      expect(rb[0]).toBe(ra[0]);
      expectClose(ra, [sumOfSquaresRef(x)], { atol: 1e-6, rtol: 2e-6, what: `n=${n}` });
      for (const t of [tx, a, b]) t.dispose();
    }
  });

  it('reduceAll of a large sum is bit-identical twice and close to float64', async () => {
    const ctx = await testContext();
    const n = 1_000_003;
    const x = randn(n, 9);
    const tx = ctx.tensor([n], 'f32', x), a = ctx.tensor([1]), b = ctx.tensor([1]);
    reduceAll(ctx, tx, a, 'sum');
    reduceAll(ctx, tx, b, 'sum');
    const [ra, rb] = await ctx.readMany([a, b]);
    expect(rb[0]).toBe(ra[0]);
    // A plain sequential f32 sum of a million terms drifts by ~1e-3 of √n; the chunked tree keeps within 1e-3 absolute.
    expect(Math.abs(ra[0] - reduceAllRef(x, 'sum'))).toBeLessThan(1e-3);
    for (const t of [tx, a, b]) t.dispose();
  });
});
