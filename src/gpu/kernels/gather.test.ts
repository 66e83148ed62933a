import { describe, expect, it } from 'vitest';
import { AWKWARD, randn, testContext } from '../../testing/gpu';
import { Rng } from '../../util/rng';
import { gatherRowsRef } from '../reference/gather';
import { alignedElements } from '../tensor';
import { gatherRows, gatherRowsOfMany } from './gather';

describe('gatherRows', () => {
  it.each(AWKWARD)('picks and trims rows exactly (f32 and u32), %i columns', async (srcWidth) => {
    const ctx = await testContext();
    const S = 13;
    const rng = new Rng(srcWidth, 1);
    const index = Uint32Array.from({ length: 9 }, () => rng.int(S));
    const width = Math.max(1, srcWidth - 2);
    const o = { rows: 7, width, srcWidth, indexOffset: 2 };
    const f = randn(S * srcWidth, srcWidth);
    const u = Uint32Array.from({ length: S * srcWidth }, (_, i) => (i * 2654435761) >>> 0);
    const idx = ctx.tensor([index.length], 'u32', index);
    for (const [data, dtype] of [[f, 'f32'], [u, 'u32']] as const) {
      const src = ctx.tensor([S, srcWidth], dtype, data);
      const dst = ctx.tensor([o.rows, width], dtype);
      gatherRows(ctx, src, idx, dst, o);
      // Bit for bit: a gather moves words, it computes nothing.
      expect(await ctx.read(dst)).toEqual(gatherRowsRef(data as Float32Array & Uint32Array, index, o));
      src.dispose();
      dst.dispose();
    }
    idx.dispose();
  });

  it('refuses widths, sizes and index ranges that do not fit', async () => {
    const ctx = await testContext();
    const src = ctx.tensor([4, 5]), dst = ctx.tensor([2, 5]), idx = ctx.tensor([2], 'u32', [0, 1]);
    expect(() => gatherRows(ctx, src, idx, dst, { rows: 2, width: 6, srcWidth: 5 })).toThrow(/width 6/);
    expect(() => gatherRows(ctx, src, idx, dst, { rows: 3, width: 5, srcWidth: 5 })).toThrow(/3×5/);
    expect(() => gatherRows(ctx, src, idx, ctx.tensor([2, 5], 'u32'), { rows: 2, width: 5, srcWidth: 5 })).toThrow(/f32 into u32/);
    expect(() => gatherRows(ctx, src, idx, dst, { rows: 2, width: 5, srcWidth: 5, indexOffset: 1 })).toThrow(/indices/);
  });

  it.each([[5, 1], [13, 70]])('gatherRowsOfMany: the same words as gatherRows of each source, in one dispatch where the sources are planes of one buffer (S=%i, %i columns)', async (S, srcWidth) => {
    const ctx = await testContext();
    const rng = new Rng(S, srcWidth);
    const index = Uint32Array.from({ length: 6 }, () => rng.int(S));
    const o = { rows: 4, width: Math.max(1, srcWidth - 3), srcWidth, indexOffset: 1 };
    const idx = ctx.tensor([index.length], 'u32', index);
    const data = [0, 1, 2].map((k) => Uint32Array.from({ length: S * srcWidth }, (_, i) => (i * 2654435761 + k * 40503) >>> 0));
    const dtypes = ['u32', 'f32', 'f32'] as const;
    // Three planes of one buffer (u32, f32, f32), then a fourth source on its own.
    const plane = alignedElements(S * srcWidth);
    const owner = ctx.tensor([3 * plane], 'u32');
    const planes = dtypes.map((d, k) => owner.viewAs(d, [S, srcWidth], k * plane));
    planes.forEach((t, k) => ctx.write(t.viewAs('u32', [t.size]), data[k]));
    const alone = ctx.tensor([S, srcWidth], 'u32', data[2]);
    const before = ctx.stats().dispatches;
    const got = gatherRowsOfMany(ctx, [...planes, alone], idx, o);
    expect(ctx.stats().dispatches - before).toBe(2);
    expect(got.out.map((t) => t.dtype)).toEqual(['u32', 'f32', 'f32', 'u32']);
    const read = await ctx.readMany(got.out.map((t) => t.viewAs('u32', t.shape)));
    read.forEach((words, k) => expect(words).toEqual(gatherRowsRef(data[Math.min(k, 2)], index, o)));
    for (const t of [owner, alone, got.owner, idx]) t.dispose();
  });
});
