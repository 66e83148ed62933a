import { describe, expect, it } from 'vitest';
import { type PackingRow, planPacking } from '../../rl/packing';
import { expectClose, finiteDiff, randn, testContext } from '../../testing/gpu';
import { attentionBackward64, attentionBackwardPacked64, attentionForward64, attentionForwardPacked64 } from '../reference/attention';
import { attentionBackwardPacked, attentionForward, attentionForwardPacked } from './attention';

// Groups of 1–3 rows, prompts of 1–6 tokens (a prefix of 0–5), rows of different lengths.
function rowsOf(seed: number, groups: number, T: number): PackingRow[] {
  const rows: PackingRow[] = [];
  const r = randn(groups * 8, seed).map((x) => Math.abs(x));
  for (let g = 0; g < groups; g++) {
    const promptLength = 1 + (Math.floor(r[8 * g] * 7) % 6);
    const count = 1 + (Math.floor(r[8 * g + 1] * 5) % 3);
    for (let i = 0; i < count; i++) rows.push({ group: g, promptLength, length: Math.min(T, promptLength + (Math.floor(r[8 * g + 2 + i] * 9) % (T - promptLength + 1))) });
  }
  return rows;
}

/** Dense qkv [n·T, 3C] in which the rows of a group agree over the shared prefix, as the model's would. */
function denseQkv(rows: PackingRow[], T: number, C: number, seed: number): Float32Array {
  const qkv = randn(rows.length * T * 3 * C, seed);
  rows.forEach((row, li) => {
    const first = rows.findIndex((r) => r.group === row.group);
    for (let pos = 0; pos < row.promptLength - 1; pos++) qkv.copyWithin((li * T + pos) * 3 * C, (first * T + pos) * 3 * C, (first * T + pos + 1) * 3 * C);
  });
  return qkv;
}

// [groups, T, C, H]: head sizes 8, 16, 24.
const SHAPES: [number, number, number, number][] = [
  [1, 5, 8, 1],
  [3, 9, 16, 2],
  [4, 13, 48, 2],
  [2, 17, 32, 4],
  [5, 8, 24, 1],
];

describe('attention over packed rows', () => {
  it.each(SHAPES)('forward and backward match the reference (%i groups, T=%i, C=%i, H=%i)', async (groups, T, C, H) => {
    const ctx = await testContext();
    const p = planPacking(rowsOf(groups * 31 + T, groups, T), T);
    const { N, Tk } = p;
    const qkv = randn(N * 3 * C, T + C), dout = randn(N * C, H + 7);
    const segments = ctx.tensor([N * 4], 'u32', p.segments);
    const rows = { N, Tk, segments };
    const tQkv = ctx.tensor([N, 3 * C], 'f32', qkv), tDout = ctx.tensor([N, C], 'f32', dout);
    const out = ctx.tensor([N, C]), att = ctx.tensor([H * N * Tk]), dqkv = ctx.tensor([N, 3 * C], 'f32', randn(N * 3 * C, 9));
    attentionForwardPacked(ctx, tQkv, out, att, rows, C, H);
    attentionBackwardPacked(ctx, tDout, tQkv, att, dqkv, rows, C, H);
    const [gOut, gAtt, gDqkv] = await ctx.readMany([out, att, dqkv]);
    const ref = attentionForwardPacked64(qkv, p.segments, N, Tk, C, H);
    expectClose(gOut, ref.out, { atol: 1e-5, rtol: 1e-4, what: 'out' });
    // Only each row's list is written; compare those entries.
    for (let i = 0; i < H * N; i++) {
      const n = i % N, len = p.segments[4 * n + 1] + n - p.segments[4 * n + 2] + 1;
      expectClose(gAtt.subarray(i * Tk, i * Tk + len), ref.att.subarray(i * Tk, i * Tk + len), { atol: 1e-6, rtol: 1e-4, what: `att row ${i}` });
    }
    expectClose(gDqkv, attentionBackwardPacked64(dout, qkv, ref.att, p.segments, N, Tk, C, H), { atol: 1e-5, rtol: 1e-4, what: 'dqkv' });
    for (const t of [segments, tQkv, tDout, out, att, dqkv]) t.dispose();
  });

  it('gives the dense kernels’ rows bit for bit, and their gradients summed over each shared prefix', async () => {
    const ctx = await testContext();
    const [T, C, H] = [11, 16, 2];
    const rows = rowsOf(5, 4, T);
    const n = rows.length;
    const p = planPacking(rows, T);
    const qkv = denseQkv(rows, T, C, 8), dout = randn(n * T * C, 9);
    // A packed prefix row stands for the group's copies of it: give its upstream gradient to the first copy only.
    // Positions past a row's end do not exist once packed: no gradient there.
    rows.forEach((row, li) => {
      const first = rows.findIndex((r) => r.group === row.group);
      if (first !== li) dout.fill(0, li * T * C, (li * T + row.promptLength - 1) * C);
      dout.fill(0, (li * T + row.length) * C, (li + 1) * T * C);
    });
    const take = (dense: ArrayLike<number>, width: number) => {
      const out = new Float32Array(p.N * width);
      p.src.forEach((e, i) => out.set(Array.from(dense).slice(e * width, (e + 1) * width), i * width));
      return out;
    };
    const dQkv = ctx.tensor([n * T, 3 * C], 'f32', qkv), dOut = ctx.tensor([n * T, C]), dAtt = ctx.tensor([n * H * T * T]);
    const pQkv = ctx.tensor([p.N, 3 * C], 'f32', take(qkv, 3 * C)), pOut = ctx.tensor([p.N, C]), pAtt = ctx.tensor([H * p.N * p.Tk]);
    const segments = ctx.tensor([p.N * 4], 'u32', p.segments);
    attentionForward(ctx, dQkv, dOut, dAtt, n, T, C, H, 'rows');
    attentionForwardPacked(ctx, pQkv, pOut, pAtt, { N: p.N, Tk: p.Tk, segments }, C, H);
    const [dense, packed] = await ctx.readMany([dOut, pOut]);
    expect(Array.from(packed)).toEqual(Array.from(take(dense, C)));

    const denseGrad = attentionBackward64(dout, qkv, attentionForward64(qkv, n, T, C, H).att, n, T, C, H);
    const pDout = take(dout, C);
    const packedGrad = attentionBackwardPacked64(pDout, take(qkv, 3 * C), attentionForwardPacked64(take(qkv, 3 * C), p.segments, p.N, p.Tk, C, H).att, p.segments, p.N, p.Tk, C, H);
    // A packed row's gradient is the sum over the dense positions it stands for.
    const summed = new Float64Array(p.N * 3 * C);
    rows.forEach((row, li) => {
      for (let pos = 0; pos < row.length; pos++) {
        const at = p.unpack[li * T + pos];
        for (let c = 0; c < 3 * C; c++) summed[at * 3 * C + c] += denseGrad[(li * T + pos) * 3 * C + c];
      }
    });
    // The padding rows at the end stand for no dense position.
    const padding = p.N - new Set(Array.from(p.unpack)).size;
    expect(padding).toBeLessThan(4);
    expectClose(packedGrad.subarray(0, (p.N - padding) * 3 * C), summed.subarray(0, (p.N - padding) * 3 * C), { atol: 1e-9, rtol: 1e-7, what: 'dqkv' });
    for (const t of [dQkv, dOut, dAtt, pQkv, pOut, pAtt, segments]) t.dispose();
  });

  it('reference backward matches central differences of the reference forward', () => {
    const [T, C, H] = [6, 8, 2];
    const p = planPacking(rowsOf(3, 2, T), T);
    const qkv = Float64Array.from(randn(p.N * 3 * C, 13)), dout = randn(p.N * C, 14);
    const loss = () => attentionForwardPacked64(qkv, p.segments, p.N, p.Tk, C, H).out.reduce((s, o, i) => s + o * dout[i], 0);
    const dqkv = attentionBackwardPacked64(dout, qkv, attentionForwardPacked64(qkv, p.segments, p.N, p.Tk, C, H).att, p.segments, p.N, p.Tk, C, H);
    const fd = Array.from(qkv, (_, i) => finiteDiff(loss, qkv, i));
    expectClose(dqkv, fd, { atol: 1e-8, rtol: 1e-6, what: 'dqkv' });
    expect(Math.max(...fd.map(Math.abs))).toBeGreaterThan(0.01);
  });

  it('refuses a head size the packed kernels do not take', async () => {
    const ctx = await testContext();
    const segments = ctx.tensor([4], 'u32', [0, 0, 0, 1]);
    const [qkv, out, att] = [ctx.tensor([36]), ctx.tensor([12]), ctx.tensor([3])];
    expect(() => attentionForwardPacked(ctx, qkv, out, att, { N: 1, Tk: 1, segments }, 12, 3)).toThrow(/divisible by 8/);
    for (const t of [segments, qkv, out, att]) t.dispose();
  });
});
