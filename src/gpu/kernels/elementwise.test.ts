import { describe, expect, it } from 'vitest';
import { AWKWARD, expectClose, finiteDiff, randn, testContext } from '../../testing/gpu';
import { addRef, gelu64, geluBackwardRef, geluRef } from '../reference/elementwise';
import { add, gelu, geluBackward } from './elementwise';
import { u32 } from '../context';

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

describe('gelu', () => {
  it.each([...AWKWARD, 70_000])('forward and backward match the reference for n=%i', async (n) => {
    const ctx = await testContext();
    // Scale 4 reaches the tails, where tanh saturates.
    const x = randn(n, 4, 4), dout = randn(n, 5);
    const tx = ctx.tensor([n], 'f32', x), tdout = ctx.tensor([n], 'f32', dout), y = ctx.tensor([n]), dx = ctx.tensor([n]);
    gelu(ctx, tx, y);
    geluBackward(ctx, tx, tdout, dx);
    const [gy, gdx] = await ctx.readMany([y, dx]);
    expectClose(gy, geluRef(x), { atol: 1e-6, rtol: 1e-5, what: 'gelu' });
    expectClose(gdx, geluBackwardRef(x, dout), { atol: 1e-6, rtol: 1e-5, what: 'dx' });
    for (const t of [tx, tdout, y, dx]) t.dispose();
  });

  it.each([7, 8])('stays finite and exact far in the tails (n=%i: scalar and vec4 kernels)', async (n) => {
    const ctx = await testContext();
    const x = new Float32Array([-1e30, -100, -20, 20, 100, 1e4, 0, 1e30].slice(0, n));
    const tx = ctx.tensor([n], 'f32', x), y = ctx.tensor([n]), dx = ctx.tensor([n]);
    const ones = ctx.tensor([n], 'f32', new Float32Array(n).fill(1));
    gelu(ctx, tx, y);
    geluBackward(ctx, tx, ones, dx);
    const [gy, gdx] = await ctx.readMany([y, dx]);
    expectClose(gy, [0, 0, 0, 20, 100, 1e4, 0, 1e30].slice(0, n), { atol: 1e-6, rtol: 1e-6, what: 'gelu' });
    expectClose(gdx, [0, 0, 0, 1, 1, 1, 0.5, 1].slice(0, n), { atol: 1e-6, rtol: 1e-6, what: 'dx' });
    for (const t of [tx, y, dx, ones]) t.dispose();
  });

  it('reference backward matches central differences of the reference forward', () => {
    const n = 33;
    const x = Float64Array.from(randn(n, 6, 3)), g = randn(n, 7);
    const loss = (v: Float64Array) => v.reduce((s, xi, i) => s + g[i] * gelu64(xi), 0);
    const dx = geluBackwardRef(x, g);
    const fd = Array.from(x, (_, i) => finiteDiff(loss, x, i));
    expectClose(dx, fd, { atol: 1e-6, rtol: 1e-5, what: 'dx vs finite differences' });
  });

  it('is deterministic', async () => {
    const ctx = await testContext();
    const n = 1000;
    const tx = ctx.tensor([n], 'f32', randn(n, 8, 3)), tdout = ctx.tensor([n], 'f32', randn(n, 9)), y = ctx.tensor([n]), dx = ctx.tensor([n]);
    const run = async () => {
      gelu(ctx, tx, y);
      geluBackward(ctx, tx, tdout, dx);
      return ctx.readMany([y, dx]);
    };
    expect(await run()).toEqual(await run());
    for (const t of [tx, tdout, y, dx]) t.dispose();
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
    // More workgroups than one grid dimension allows: only the device can tell.
    ctx.dispatch({ shader: 'elementwise', entry: 'add' }, [t, t, t], { n: u32(4) }, [1 << 20, 1, 1]);
    await expect(ctx.sync()).rejects.toThrow(/workgroup|dispatch|invalid|exceed/i);
  });

  it('refuses a write of mismatched size clearly', async () => {
    const ctx = await testContext();
    const t = ctx.tensor([4]);
    expect(() => ctx.write(t, [1, 2, 3])).toThrow(/3 values for a tensor of 4/);
  });
});
