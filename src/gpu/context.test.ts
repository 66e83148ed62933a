import { describe, expect, it } from 'vitest';
import { testContext } from '../testing/gpu';
import { add } from './kernels/elementwise';

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
