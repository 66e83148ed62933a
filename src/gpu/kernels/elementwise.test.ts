import { describe, expect, it } from 'vitest';
import { AWKWARD, expectClose, randn, testContext } from '../../testing/gpu';
import { addRef } from '../reference/elementwise';
import { add } from './elementwise';

describe('add', () => {
  it.each([...AWKWARD, 70_000])('matches the reference for n=%i', async (n) => {
    const ctx = await testContext();
    const a = randn(n, 1), b = randn(n, 2);
    const ta = ctx.tensor([n], 'f32', a), tb = ctx.tensor([n], 'f32', b), out = ctx.tensor([n]);
    add(ctx, ta, tb, out);
    expectClose(await ctx.read(out), addRef(a, b), { atol: 0, rtol: 0 });
    for (const t of [ta, tb, out]) t.dispose();
  });
});

describe('context', () => {
  it('a repeated step allocates no buffers, bind groups or staging buffers', async () => {
    const ctx = await testContext();
    const step = async () => {
      const a = ctx.tensor([1000], 'f32', randn(1000, 3)), b = ctx.tensor([1000]), out = ctx.tensor([1000]);
      add(ctx, a, a, b);
      add(ctx, b, a, out);
      const r = await ctx.read(out);
      // The pool is a stack per size: releasing in reverse order hands the same buffers back next time.
      for (const t of [out, b, a]) t.dispose();
      return r;
    };
    const first = await step();
    const before = ctx.stats();
    const second = await step();
    const after = ctx.stats();
    expect(after.pool.created).toBe(before.pool.created);
    expect(after.bindGroupsCreated).toBe(before.bindGroupsCreated);
    expect(after.stagingBuffers).toBe(before.stagingBuffers);
    expect(after.dispatches - before.dispatches).toBe(2);
    expect(second).toEqual(first);
  });

  it('turns a shader error into a typed exception', async () => {
    const ctx = await testContext();
    const t = ctx.tensor([4]);
    ctx.dispatch({ shader: 'elementwise', entry: 'no_such_entry' }, [t, t, t], [{ t: 'u32', v: 4 }], 1);
    await expect(ctx.sync()).rejects.toThrow(/no_such_entry|entry|invalid/i);
  });

  it('refuses a write of mismatched size clearly', async () => {
    const ctx = await testContext();
    const t = ctx.tensor([4]);
    expect(() => ctx.write(t, [1, 2, 3])).toThrow(/3 values for a tensor of 4/);
  });
});
