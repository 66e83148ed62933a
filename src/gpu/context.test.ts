import { describe, expect, it } from 'vitest';
import { testContext } from '../testing/gpu';
import { add } from './kernels/elementwise';
import { gatherRows } from './kernels/gather';
import { matmul } from './kernels/matmul';
import { SUBMIT_EVERY } from './context';
import { createNodeContext } from './node';

describe('GpuContext counters', () => {
  it('count dispatches, submits and readbacks of a known sequence exactly', async () => {
    const ctx = await testContext();
    const a = ctx.tensor([64], 'f32', new Float32Array(64).fill(1));
    const b = ctx.tensor([64]), c = ctx.tensor([64]);
    await ctx.sync();
    const before = ctx.stats();

    add(ctx, a, a, b); // dispatch 1
    add(ctx, b, a, c); // dispatch 2, same command buffer
    ctx.submit(); // submit 1
    ctx.submit(); // nothing recorded: no submit
    add(ctx, c, a, b); // dispatch 3
    ctx.write(a, new Float32Array(64).fill(2)); // submits the pending dispatch first: submit 2
    const [vb, vc] = await ctx.readMany([b, c]); // submit 3, readback 1 of 2 buffers
    const vb2 = await ctx.read(b); // submit 4, readback 2 of 1 buffer
    await ctx.sync(); // nothing pending: no submit

    const after = ctx.stats();
    expect(after.dispatches - before.dispatches).toBe(3);
    expect(after.submits - before.submits).toBe(4);
    expect(after.readbacks - before.readbacks).toBe(2);
    expect(after.readbackBuffers - before.readbackBuffers).toBe(3);
    // The counted work did what it says: b = a + a, c = b + a, then b = c + a, all before a was rewritten.
    expect(vc[0]).toBe(3);
    expect(vb[0]).toBe(4);
    expect(vb2[63]).toBe(4);
    for (const t of [c, b, a]) t.dispose();
  });
});

describe('GpuContext batched submits', () => {
  it(`submits every ${SUBMIT_EVERY} dispatches on its own, in order`, async () => {
    const ctx = await testContext();
    const one = ctx.tensor([8], 'f32', new Float32Array(8).fill(1));
    const x = ctx.tensor([8], 'f32', new Float32Array(8).fill(0));
    const y = ctx.tensor([8]);
    const zero = ctx.tensor([8], 'f32', new Float32Array(8));
    await ctx.sync();
    const before = ctx.stats();
    // x counts up by one per pair of dispatches, through y, so any reordering across submits shows in the result.
    const pairs = SUBMIT_EVERY + 3;
    for (let i = 0; i < pairs; i++) {
      add(ctx, x, one, y);
      add(ctx, y, zero, x);
    }
    const after = ctx.stats();
    expect(after.dispatches - before.dispatches).toBe(2 * pairs);
    expect(after.submits - before.submits).toBe(Math.floor((2 * pairs) / SUBMIT_EVERY));
    const got = await ctx.read(x);
    expect(ctx.stats().submits - before.submits).toBe(Math.floor((2 * pairs) / SUBMIT_EVERY) + 1);
    expect(Array.from(got)).toEqual(new Array(8).fill(pairs));
    for (const t of [zero, y, x, one]) t.dispose();
  });
});

describe('GpuContext kernel profile', () => {
  it('times every dispatch in order, across submits, without changing results', async () => {
    const ctx = await createNodeContext({ label: 'profile test', timestamps: true });
    try {
      const n = 1000;
      const a = ctx.tensor([n], 'f32', Float32Array.from({ length: n }, (_, i) => i / 7));
      const b = ctx.tensor([n]), c = ctx.tensor([n]);
      add(ctx, a, a, b);
      const plain = await ctx.read(b);
      const times = await ctx.profileKernels(async () => {
        add(ctx, a, a, b);
        ctx.submit();
        matmul(ctx, a.view([10, 100]), a.view([100, 10]), c.view([100]), { M: 10, K: 100, N: 10, layout: 'nn' });
        add(ctx, b, a, c);
        await ctx.sync();
      });
      expect(times.map((t) => t.kernel.split('{')[0])).toEqual(['elementwise:add_vec4', 'matmul:general', 'elementwise:add_vec4']);
      expect(times.every((t) => Number.isFinite(t.ms) && t.ms >= 0)).toBe(true);
      expect(times[1].kernel).toContain('WG_Y');
      expect(Array.from(await ctx.read(b))).toEqual(Array.from(plain));
      // Outside profileKernels nothing is timed.
      await expect(ctx.profileKernels(async () => {})).resolves.toEqual([]);
      for (const t of [a, b, c]) t.dispose();
    } finally {
      ctx.destroy();
    }
  });

  it('needs a context made with timestamps', async () => {
    const ctx = await testContext();
    await expect(ctx.profileKernels(async () => {})).rejects.toThrow(/timestamps: true/);
  });
});

describe('GpuContext bind groups and uniforms', () => {
  it('reuse a group for new uniform values in a later submission, and keep values apart within one', async () => {
    const ctx = await testContext();
    const src = ctx.tensor([5], 'f32', Float32Array.from([1, 10, 100, 1000, 10000]));
    const index = ctx.tensor([5], 'u32', Uint32Array.from([0, 1, 2, 3, 4]));
    const picked = ctx.tensor([1]);
    const acc = ctx.tensor([1]), tmp = ctx.tensor([1]);
    const zero = ctx.tensor([1], 'f32', new Float32Array(1));
    // Sums src[offsets] with one gather per offset, all recorded into one submission:
    // the gathers share pipeline and buffers and differ only in their uniforms.
    const sum = async (offsets: number[]) => {
      ctx.zero(acc);
      for (const indexOffset of offsets) {
        gatherRows(ctx, src, index, picked, { rows: 1, width: 1, srcWidth: 1, indexOffset });
        add(ctx, acc, picked, tmp);
        add(ctx, tmp, zero, acc);
      }
      return (await ctx.read(acc))[0];
    };
    expect(await sum([0, 1, 2, 3])).toBe(1111);
    const before = ctx.stats().bindGroupsCreated;
    // The same kernels on the same buffers with other values: no new group, the slots rewritten.
    expect(await sum([3, 3, 2, 0])).toBe(2101);
    expect(await sum([1, 2, 1, 2])).toBe(220);
    expect(ctx.stats().bindGroupsCreated).toBe(before);
    // Repeated values in one submission share a group; a fifth distinct set needs one more.
    expect(await sum([0, 0, 3, 3])).toBe(2002);
    expect(ctx.stats().bindGroupsCreated).toBe(before);
    expect(await sum([0, 1, 2, 3, 4])).toBe(11111);
    expect(ctx.stats().bindGroupsCreated).toBe(before + 1);
    for (const t of [zero, tmp, acc, picked, index, src]) t.dispose();
  });
});

describe('GpuContext copies', () => {
  it('copy between views of one buffer, overlapping or not, as between two buffers', async () => {
    const ctx = await testContext();
    const data = Float32Array.from({ length: 192 }, (_, i) => i * 0.5 - 7);
    const t = ctx.tensor([192], 'f32', data);
    // Two aligned views of one buffer (a binding boundary is 64 elements).
    ctx.copy(t.view([64], 0), t.view([64], 128));
    // An overlapping range of the same buffer: every element read before any is written.
    ctx.copyRange(t, 10, t, 20, 30);
    const want = Float32Array.from(data);
    want.set(data.subarray(0, 64), 128);
    want.set(want.slice(10, 40), 20);
    expect(await ctx.read(t)).toEqual(want);
    t.dispose();
  });
});
