import { describe, expect, it } from 'vitest';
import { expectClose, finiteDiff, randn, testContext } from '../../testing/gpu';
import { attentionBackward64, attentionBackwardRef, attentionDecodeRef, attentionForward64, attentionForwardRef } from '../reference/attention';
import { ATTENTION_STRATEGIES, attentionBackward, attentionDecode, attentionForward } from './attention';

// [B, T, C, H]: head sizes 4, 2, 6, 12, 18, 36 and 3 (the scalar and vec4
// kernels), 8, 24 and 16 (vec8); none a multiple of a tile.
const SHAPES: [number, number, number, number][] = [
  [1, 1, 4, 1],
  [3, 17, 4, 2],
  [2, 3, 12, 2],
  [1, 17, 36, 3],
  [2, 33, 36, 2],
  [1, 130, 12, 3],
  [4, 3, 36, 1],
  [2, 19, 16, 2],
  [1, 33, 48, 2],
  [3, 5, 64, 4],
];

describe.each(ATTENTION_STRATEGIES)('attention (training, %s)', (strategy) => {
  it.each(SHAPES)('forward and backward match the reference for B=%i T=%i C=%i H=%i', async (B, T, C, H) => {
    const ctx = await testContext();
    const seed = B * 1000 + T * 10 + C + H;
    const qkv = randn(B * T * 3 * C, seed), dout = randn(B * T * C, seed + 1);
    const tQkv = ctx.tensor([B * T, 3 * C], 'f32', qkv), tDout = ctx.tensor([B * T, C], 'f32', dout);
    const out = ctx.tensor([B * T, C]), att = ctx.tensor([B, H, T, T], 'f32', randn(B * H * T * T, 5)), dqkv = ctx.tensor([B * T, 3 * C], 'f32', randn(B * T * 3 * C, 6));
    attentionForward(ctx, tQkv, out, att, B, T, C, H, strategy);
    attentionBackward(ctx, tDout, tQkv, att, dqkv, B, T, C, H, undefined, strategy);
    const [gOut, gAtt, gDqkv] = await ctx.readMany([out, att, dqkv]);
    const ref = attentionForwardRef(qkv, B, T, C, H);
    expectClose(gOut, ref.out, { atol: 1e-5, rtol: 1e-4, what: 'out' });
    expectClose(gAtt, ref.att, { atol: 1e-6, rtol: 1e-4, what: 'att' });
    expectClose(gDqkv, attentionBackwardRef(dout, qkv, ref.att, B, T, C, H), { atol: 1e-5, rtol: 1e-4, what: 'dqkv' });
    for (const t of [tQkv, tDout, out, att, dqkv]) t.dispose();
  });

  it('handles large scores without overflow', async () => {
    const ctx = await testContext();
    const [B, T, C, H] = [1, 17, 12, 2];
    const qkv = randn(B * T * 3 * C, 40, 30);
    const tQkv = ctx.tensor([B * T, 3 * C], 'f32', qkv), out = ctx.tensor([B * T, C]), att = ctx.tensor([B, H, T, T]);
    attentionForward(ctx, tQkv, out, att, B, T, C, H, strategy);
    const [gOut, gAtt] = await ctx.readMany([out, att]);
    const ref = attentionForwardRef(qkv, B, T, C, H);
    expectClose(gAtt, ref.att, { atol: 1e-5, rtol: 1e-3, what: 'att' });
    expectClose(gOut, ref.out, { atol: 1e-3, rtol: 1e-3, what: 'out' });
    for (const t of [tQkv, out, att]) t.dispose();
  });

  it('reference backward matches central differences of the reference forward', () => {
    const [B, T, C, H] = [2, 3, 4, 2];
    const qkv = Float64Array.from(randn(B * T * 3 * C, 11)), dout = randn(B * T * C, 12);
    const loss = () => attentionForward64(qkv, B, T, C, H).out.reduce((s, o, i) => s + o * dout[i], 0);
    const dqkv = attentionBackward64(dout, qkv, attentionForward64(qkv, B, T, C, H).att, B, T, C, H);
    const fd = Array.from(qkv, (_, i) => finiteDiff(loss, qkv, i));
    expectClose(dqkv, fd, { atol: 1e-8, rtol: 1e-6, what: 'dqkv' });
    // Guards against a vacuous comparison of two all-zero gradients.
    expect(Math.max(...fd.map(Math.abs))).toBeGreaterThan(0.01);
  });

  it('is deterministic', async () => {
    const ctx = await testContext();
    const [B, T, C, H] = [2, 33, 12, 3];
    const tQkv = ctx.tensor([B * T, 3 * C], 'f32', randn(B * T * 3 * C, 21)), tDout = ctx.tensor([B * T, C], 'f32', randn(B * T * C, 22));
    const out = ctx.tensor([B * T, C]), att = ctx.tensor([B, H, T, T]), dqkv = ctx.tensor([B * T, 3 * C]);
    const run = () => {
      attentionForward(ctx, tQkv, out, att, B, T, C, H, strategy);
      attentionBackward(ctx, tDout, tQkv, att, dqkv, B, T, C, H, undefined, strategy);
      return ctx.readMany([out, att, dqkv]);
    };
    expect(await run()).toEqual(await run());
    for (const t of [tQkv, tDout, out, att, dqkv]) t.dispose();
  });
});

describe.each(ATTENTION_STRATEGIES)('attention (KV-cache decode, %s)', (strategy) => {
  // [B, Tmax, C, H]
  const DECODE: [number, number, number, number][] = [
    [1, 1, 4, 1],
    [3, 17, 12, 3],
    [5, 33, 36, 2],
    [2, 130, 12, 1],
    [3, 19, 24, 3],
    [3, 21, 32, 4],
    [2, 40, 48, 2],
  ];

  it.each(DECODE)('matches the reference for B=%i Tmax=%i C=%i H=%i', async (B, Tmax, C, H) => {
    const ctx = await testContext();
    const seed = B * 100 + Tmax + C;
    const qkv = randn(B * 3 * C, seed), kCache = randn(B * Tmax * C, seed + 1), vCache = randn(B * Tmax * C, seed + 2);
    // Each row at its own position, first and last slots included.
    const pos = Uint32Array.from({ length: B }, (_, b) => (b === 0 ? 0 : b === 1 ? Tmax - 1 : (b * 7) % Tmax));
    const tQkv = ctx.tensor([B, 3 * C], 'f32', qkv), tK = ctx.tensor([B, Tmax, C], 'f32', kCache), tV = ctx.tensor([B, Tmax, C], 'f32', vCache);
    const tPos = ctx.tensor([B], 'u32', pos), out = ctx.tensor([B, C]);
    attentionDecode(ctx, tQkv, tK, tV, tPos, out, B, Tmax, C, H, undefined, strategy);
    const [gOut, gK, gV] = await ctx.readMany([out, tK, tV]);
    const ref = attentionDecodeRef(qkv, kCache, vCache, pos, B, Tmax, C, H);
    expectClose(gK, ref.kCache, { atol: 0, rtol: 0, what: 'kCache' });
    expectClose(gV, ref.vCache, { atol: 0, rtol: 0, what: 'vCache' });
    expectClose(gOut, ref.out, { atol: 1e-5, rtol: 1e-4, what: 'out' });
    for (const t of [tQkv, tK, tV, tPos, out]) t.dispose();
  });

  it('reproduces the causal forward pass one token at a time', async () => {
    const ctx = await testContext();
    const [B, T, C, H] = [3, 17, 12, 3];
    const qkv = randn(B * T * 3 * C, 31);
    const full = attentionForwardRef(qkv, B, T, C, H).out;
    const tK = ctx.tensor([B, T, C]), tV = ctx.tensor([B, T, C]), tQkv = ctx.tensor([B, 3 * C]), tPos = ctx.tensor([B], 'u32'), out = ctx.tensor([B, C]);
    ctx.zero(tK);
    ctx.zero(tV);
    // Rows start at different offsets, as when prompts of different lengths share a batch.
    const start = [0, 4, 9];
    for (let step = 0; step < T; step++) {
      const pos = start.map((s) => Math.min(T - 1, s + step));
      const rows = new Float32Array(B * 3 * C);
      for (let b = 0; b < B; b++) rows.set(qkv.subarray((b * T + pos[b]) * 3 * C, (b * T + pos[b] + 1) * 3 * C), b * 3 * C);
      if (step === 0) {
        // Fill each row's prefix directly, as a prompt pass would.
        const k = new Float32Array(B * T * C), v = new Float32Array(B * T * C);
        for (let b = 0; b < B; b++)
          for (let t = 0; t < start[b]; t++)
            for (let c = 0; c < C; c++) {
              k[(b * T + t) * C + c] = qkv[(b * T + t) * 3 * C + C + c];
              v[(b * T + t) * C + c] = qkv[(b * T + t) * 3 * C + 2 * C + c];
            }
        ctx.write(tK, k);
        ctx.write(tV, v);
      }
      ctx.write(tQkv, rows);
      ctx.write(tPos, pos);
      attentionDecode(ctx, tQkv, tK, tV, tPos, out, B, T, C, H, undefined, strategy);
      const got = await ctx.read(out);
      const expected = new Float32Array(B * C);
      for (let b = 0; b < B; b++) expected.set(full.subarray((b * T + pos[b]) * C, (b * T + pos[b] + 1) * C), b * C);
      expectClose(got, expected, { atol: 1e-5, rtol: 1e-4, what: `step ${step}` });
    }
    for (const t of [tK, tV, tQkv, tPos, out]) t.dispose();
  });

  // Four channels at a time (head size 4), one at a time (head size 7) and eight at a time (head size 16).
  it.each([[3, 17, 12, 3], [2, 9, 21, 3], [2, 9, 48, 3]])('equals the GPU causal forward bit for bit, B=%i T=%i C=%i H=%i', async (B, T, C, H) => {
    const ctx = await testContext();
    const qkv = randn(B * T * 3 * C, 57);
    const tFull = ctx.tensor([B * T, 3 * C], 'f32', qkv), fwdOut = ctx.tensor([B * T, C]), att = ctx.tensor([B, H, T, T]);
    attentionForward(ctx, tFull, fwdOut, att, B, T, C, H);
    const forward = await ctx.read(fwdOut);
    const k = new Float32Array(B * T * C), v = new Float32Array(B * T * C);
    for (let n = 0; n < B * T; n++) {
      k.set(qkv.subarray(n * 3 * C + C, n * 3 * C + 2 * C), n * C);
      v.set(qkv.subarray(n * 3 * C + 2 * C, n * 3 * C + 3 * C), n * C);
    }
    const tK = ctx.tensor([B, T, C], 'f32', k), tV = ctx.tensor([B, T, C], 'f32', v), tQkv = ctx.tensor([B, 3 * C]), tPos = ctx.tensor([B], 'u32'), out = ctx.tensor([B, C]);
    for (let t = 0; t < T; t++) {
      const rows = new Float32Array(B * 3 * C);
      for (let b = 0; b < B; b++) rows.set(qkv.subarray((b * T + t) * 3 * C, (b * T + t + 1) * 3 * C), b * 3 * C);
      ctx.write(tQkv, rows);
      ctx.write(tPos, new Uint32Array(B).fill(t));
      attentionDecode(ctx, tQkv, tK, tV, tPos, out, B, T, C, H);
      const got = await ctx.read(out);
      for (let b = 0; b < B; b++) expect(Array.from(got.subarray(b * C, (b + 1) * C)), `b=${b} t=${t}`).toEqual(Array.from(forward.subarray((b * T + t) * C, (b * T + t + 1) * C)));
    }
    for (const x of [tFull, fwdOut, att, tK, tV, tQkv, tPos, out]) x.dispose();
  });

  it('is deterministic', async () => {
    const ctx = await testContext();
    const [B, Tmax, C, H] = [4, 130, 36, 3];
    const kCache = randn(B * Tmax * C, 41), vCache = randn(B * Tmax * C, 42);
    const tQkv = ctx.tensor([B, 3 * C], 'f32', randn(B * 3 * C, 43)), tK = ctx.tensor([B, Tmax, C]), tV = ctx.tensor([B, Tmax, C]);
    const tPos = ctx.tensor([B], 'u32', [129, 64, 100, 3]), out = ctx.tensor([B, C]);
    const run = async () => {
      ctx.write(tK, kCache);
      ctx.write(tV, vCache);
      attentionDecode(ctx, tQkv, tK, tV, tPos, out, B, Tmax, C, H, undefined, strategy);
      return ctx.readMany([out, tK, tV]);
    };
    expect(await run()).toEqual(await run());
    for (const t of [tQkv, tK, tV, tPos, out]) t.dispose();
  });
});
