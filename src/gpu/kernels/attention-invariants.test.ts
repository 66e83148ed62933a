// The sampler's log-probs are π_old's: GRPO's ratio is exactly 1 at θ = θ_old
// only if decoding one token against the KV cache gives, bit for bit, the
// causal forward pass's row at that position. These tests hold every decode
// kernel to its forward kernel on awkward shapes.

import { describe, expect, it } from 'vitest';
import { randn, testContext } from '../../testing/gpu';
import { ATTENTION_STRATEGIES, type AttentionStrategy, attentionBackward, attentionDecode, attentionForward, defaultAttentionStrategy } from './attention';

// [B, T, C, H]: head sizes 3, 6, 5 (not multiples of 4), 8 and 24 (the tiny and small presets).
const SHAPES: [number, number, number, number][] = [
  [3, 1, 12, 4],
  [2, 17, 18, 3],
  [3, 33, 5, 1],
  [4, 17, 32, 4],
  [2, 33, 96, 4],
  [1, 40, 32, 4],
];

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

describe.each(ATTENTION_STRATEGIES)('decode reproduces the forward rows bit for bit (%s)', (strategy) => {
  it.each(SHAPES)('B=%i T=%i C=%i H=%i', async (B, T, C, H) => {
    const ctx = await testContext();
    const qkv = randn(B * T * 3 * C, B * 7 + T * 3 + C);
    const tFull = ctx.tensor([B * T, 3 * C], 'f32', qkv), fwdOut = ctx.tensor([B * T, C]), att = ctx.tensor([B, H, T, T]);
    attentionForward(ctx, tFull, fwdOut, att, B, T, C, H, strategy);

    // Rows in decode order: step t holds row (b, t) of every sequence.
    const stepRows = new Float32Array(T * B * 3 * C);
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) stepRows.set(qkv.subarray((b * T + t) * 3 * C, (b * T + t + 1) * 3 * C), (t * B + b) * 3 * C);
    const positions = Uint32Array.from({ length: T * B }, (_, i) => Math.floor(i / B));
    const tSteps = ctx.tensor([T * B, 3 * C], 'f32', stepRows), tPositions = ctx.tensor([T * B], 'u32', positions);
    const tQkv = ctx.tensor([B, 3 * C]), tPos = ctx.tensor([B], 'u32'), out = ctx.tensor([B, C]);
    const tK = ctx.tensor([B, T, C]), tV = ctx.tensor([B, T, C]), decoded = ctx.tensor([T * B, C]);
    ctx.zero(tK);
    ctx.zero(tV);
    for (let t = 0; t < T; t++) {
      ctx.copyRange(tSteps, t * B * 3 * C, tQkv, 0, B * 3 * C);
      ctx.copyRange(tPositions, t * B, tPos, 0, B);
      attentionDecode(ctx, tQkv, tK, tV, tPos, out, B, T, C, H, undefined, strategy);
      ctx.copyRange(out, 0, decoded, t * B * C, B * C);
    }
    const [forward, stepwise] = (await ctx.readMany([fwdOut, decoded])) as Float32Array[];
    let mismatches = 0;
    let first = '';
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++) {
        const f = bits(forward.subarray((b * T + t) * C, (b * T + t + 1) * C)), d = bits(stepwise.subarray((t * B + b) * C, (t * B + b + 1) * C));
        for (let c = 0; c < C; c++)
          if (f[c] !== d[c]) {
            mismatches++;
            first ||= `row b=${b} t=${t} channel ${c}: forward ${forward[(b * T + t) * C + c]}, decode ${stepwise[(t * B + b) * C + c]}`;
          }
      }
    expect(mismatches, first).toBe(0);
    // Guards against comparing two untouched buffers.
    expect(forward.some((v) => v !== 0)).toBe(true);
    for (const x of [tFull, fwdOut, att, tSteps, tPositions, tQkv, tPos, out, tK, tV, decoded]) x.dispose();
  });
});

describe('attention strategies', () => {
  it('picks rows on a CPU adapter and tiled on a GPU', async () => {
    const ctx = await testContext();
    expect(defaultAttentionStrategy(ctx)).toBe(ctx.adapter.isSoftware ? 'rows' : 'tiled');
  });

  // Both strategies sum the same vec4 chunks in the same order when hs % 4 = 0.
  it.each([
    [4, 17, 32, 4],
    [2, 33, 96, 4],
  ])('agree bit for bit in forward and backward where hs is a multiple of 4: B=%i T=%i C=%i H=%i', async (B, T, C, H) => {
    const ctx = await testContext();
    const tQkv = ctx.tensor([B * T, 3 * C], 'f32', randn(B * T * 3 * C, 61)), tDout = ctx.tensor([B * T, C], 'f32', randn(B * T * C, 62));
    const run = async (strategy: AttentionStrategy) => {
      const out = ctx.tensor([B * T, C]), att = ctx.tensor([B, H, T, T]), dqkv = ctx.tensor([B * T, 3 * C]);
      attentionForward(ctx, tQkv, out, att, B, T, C, H, strategy);
      attentionBackward(ctx, tDout, tQkv, att, dqkv, B, T, C, H, undefined, strategy);
      const got = await ctx.readMany([out, att, dqkv]);
      for (const x of [out, att, dqkv]) x.dispose();
      return got;
    };
    expect(await run('tiled')).toEqual(await run('rows'));
    tQkv.dispose();
    tDout.dispose();
  });
});
