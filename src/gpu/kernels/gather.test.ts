import { describe, expect, it } from 'vitest';
import { AWKWARD, randn, testContext } from '../../testing/gpu';
import { Rng } from '../../util/rng';
import { gatherRowsRef } from '../reference/gather';
import { gatherRows } from './gather';

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
});
