import { describe, expect, it } from 'vitest';
import { expectClose, randn, testContext } from '../../testing/gpu';
import { Rng } from '../../util/rng';
import { type DecodeRowsRef, advanceRowsRef, decodeEmbedRef, fillCacheRef } from '../reference/decode';
import { embeddingForwardRef } from '../reference/embedding';
import { sampleRef } from '../reference/sample';
import { advanceRows, decodeEmbed, fillCache, sampleAdvance } from './decode';
import { sample } from './sample';

const IDS = { maxNew: 4, pad: 0, eos: 2 };

describe('decodeEmbed', () => {
  it.each([[1, 3, 1], [3, 17, 5], [17, 33, 9], [5, 12, 7]])('matches the reference and the full embedding, each row at a position of its own, R=%i C=%i T=%i', async (R, C, T) => {
    const ctx = await testContext();
    const V = 11;
    const rng = new Rng(R + C, 1);
    const tokens = Uint32Array.from({ length: R * T }, () => rng.int(V));
    const positions = Uint32Array.from({ length: R }, (_, r) => (3 * r + 1) % T);
    const wte = randn(V * C, C), wpe = randn(T * C, C + 1);
    const tTok = ctx.tensor([R * T], 'u32', tokens), tWte = ctx.tensor([V, C], 'f32', wte), tWpe = ctx.tensor([T, C], 'f32', wpe);
    const out = ctx.tensor([R, C]), pos = ctx.tensor([R], 'u32', positions);
    decodeEmbed(ctx, tTok, tWte, tWpe, out, pos, { R, T }, C);
    const got = await ctx.read(out);
    const ref = decodeEmbedRef(tokens, wte, wpe, R, T, C, positions);
    expect(Array.from(got)).toEqual(Array.from(ref));
    // Row r equals the full embedding's row (r, positions[r]): the same sum.
    const full = embeddingForwardRef(tokens, wte, wpe, R, T, C);
    for (let r = 0; r < R; r++) {
      const at = r * T + positions[r];
      expect(Array.from(got.subarray(r * C, (r + 1) * C))).toEqual(Array.from(full.subarray(at * C, (at + 1) * C)));
    }
    const short = ctx.tensor([(T - 1 || 1) * C]);
    if (T > 1) expect(() => decodeEmbed(ctx, tTok, tWte, short, out, pos, { R, T }, C)).toThrow(/wpe/);
    for (const t of [tTok, tWte, tWpe, out, pos, short]) t.dispose();
  });
});

describe('advanceRows', () => {
  it('follows the reference through a whole batch: prompts, sampling, EOS, budget and the end of the context', async () => {
    const ctx = await testContext();
    const [R, T] = [7, 9];
    const rng = new Rng(5, 2);
    const promptLengths = [1, 2, 3, 5, 2, 8, 3];
    const rows: DecodeRowsRef = { tokens: new Uint32Array(R * T), targets: new Uint32Array(R * T), mask: new Float32Array(R * T), logp: new Float32Array(R * T), state: new Uint32Array(R * 4) };
    for (let r = 0; r < R; r++) {
      rows.state[4 * r] = promptLengths[r];
      for (let t = 0; t < promptLengths[r]; t++) rows.tokens[r * T + t] = 3 + ((r + t) % 5);
    }
    const g = { tokens: ctx.tensor([R * T], 'u32', rows.tokens), targets: ctx.tensor([R * T], 'u32', rows.targets), mask: ctx.tensor([R * T], 'f32', rows.mask), logp: ctx.tensor([R * T], 'f32', rows.logp), state: ctx.tensor([R * 4], 'u32', rows.state) };
    const sampled = ctx.tensor([R], 'u32'), sampledLogp = ctx.tensor([R]), pos = ctx.tensor([R], 'u32');
    for (let k = 0; k < T; k++) {
      // Even rows step through every position from 0 (their prompts' among them); odd rows from their
      // prompt's last token, as the sampler's decode steps do, running into the last column, where they stay.
      const positions = Uint32Array.from({ length: R }, (_, r) => Math.min(r % 2 ? promptLengths[r] - 1 + k : k, T - 1));
      // EOS now and then, so rows end at different times.
      const tok = Uint32Array.from({ length: R }, () => (rng.float() < 0.2 ? IDS.eos : 3 + rng.int(6)));
      const lp = Float32Array.from({ length: R }, () => -rng.float());
      ctx.write(sampled, tok);
      ctx.write(sampledLogp, lp);
      ctx.write(pos, positions);
      advanceRows(ctx, sampled, sampledLogp, g, { R, T }, pos, IDS);
      advanceRowsRef(rows, tok, lp, R, T, positions, IDS);
    }
    const [tokens, targets, mask, logp, state] = await ctx.readMany([g.tokens, g.targets, g.mask, g.logp, g.state]);
    expect(tokens).toEqual(rows.tokens);
    expect(targets).toEqual(rows.targets);
    expect(mask).toEqual(rows.mask);
    expect(logp).toEqual(rows.logp);
    expect(state).toEqual(rows.state);
    // Every row ended; lengths respect the budget and what the context leaves.
    for (let r = 0; r < R; r++) {
      expect(state[4 * r + 3]).toBe(1);
      expect(state[4 * r + 1]).toBeLessThanOrEqual(Math.min(IDS.maxNew, T - promptLengths[r]));
    }
    expect(new Set(Array.from({ length: R }, (_, r) => state[4 * r + 1])).size).toBeGreaterThan(1);
    for (const t of [...Object.values(g), sampled, sampledLogp, pos]) t.dispose();
  });
});

describe('fillCache', () => {
  it.each([[1, 1, 1, 4, 1], [3, 5, 17, 7, 1], [4, 12, 12, 12, 1], [6, 5, 9, 7, 3], [6, 5, 9, 8, 3], [8, 4, 4, 12, 8]])('matches the reference, R=%i prefix=%i cacheLen=%i C=%i share=%i', async (R, prefix, cacheLen, C, share) => {
    const ctx = await testContext();
    const qkv = randn((R / share) * prefix * 3 * C, R + C);
    const k0 = randn(R * cacheLen * C, 3), v0 = randn(R * cacheLen * C, 4);
    const tQkv = ctx.tensor([(R / share) * prefix, 3 * C], 'f32', qkv), tK = ctx.tensor([R * cacheLen * C], 'f32', k0), tV = ctx.tensor([R * cacheLen * C], 'f32', v0);
    fillCache(ctx, tQkv, tK, tV, R, prefix, cacheLen, C, share);
    const [k, v] = await ctx.readMany([tK, tV]);
    const kRef = Float32Array.from(k0), vRef = Float32Array.from(v0);
    fillCacheRef(qkv, kRef, vRef, R, prefix, cacheLen, C, share);
    if (share > 1) expect(kRef.subarray(0, prefix * C)).toEqual(kRef.subarray((share - 1) * cacheLen * C, ((share - 1) * cacheLen + prefix) * C));
    expect(k).toEqual(kRef);
    expect(v).toEqual(vRef);
    for (const t of [tQkv, tK, tV]) t.dispose();
  });
});

describe('sampleAdvance', () => {
  it.each([[0, 1], [3, 0.7]])('gives sample then advanceRows bit for bit, and the references, through a whole batch (top k %i, τ %f)', async (topK, temperature) => {
    const ctx = await testContext();
    const [R, T, V] = [7, 9, 6];
    const rng = new Rng(11 + topK, 3);
    const promptLengths = [1, 2, 3, 5, 2, 8, 3];
    const start = (): DecodeRowsRef => {
      const rows: DecodeRowsRef = { tokens: new Uint32Array(R * T), targets: new Uint32Array(R * T), mask: new Float32Array(R * T), logp: new Float32Array(R * T), state: new Uint32Array(R * 4) };
      for (let r = 0; r < R; r++) {
        rows.state[4 * r] = promptLengths[r];
        for (let t = 0; t < promptLengths[r]; t++) rows.tokens[r * T + t] = 3 + ((r + t) % 3);
      }
      return rows;
    };
    const upload = (rows: DecodeRowsRef) => ({ tokens: ctx.tensor([R * T], 'u32', rows.tokens), targets: ctx.tensor([R * T], 'u32', rows.targets), mask: ctx.tensor([R * T], 'f32', rows.mask), logp: ctx.tensor([R * T], 'f32', rows.logp), state: ctx.tensor([R * 4], 'u32', rows.state) });
    const ref = start(), fused = upload(ref), apart = upload(ref);
    const logits = ctx.tensor([R, V]), streams = ctx.tensor([R], 'u32'), pos = ctx.tensor([R], 'u32'), sampled = ctx.tensor([R], 'u32'), sampledLogp = ctx.tensor([R]);
    const opts = { temperature, topK, seed: 1234 };
    for (let k = 0; k < T; k++) {
      const positions = Uint32Array.from({ length: R }, (_, r) => Math.min(promptLengths[r] - 1 + k, T - 1));
      // EOS (token 2) likely enough that rows end at different times.
      const l = Float32Array.from({ length: R * V }, (_, i) => (i % V === IDS.eos ? 0.5 : 0) + rng.float() * 2 - 1);
      const s = Uint32Array.from({ length: R }, () => rng.u32());
      ctx.write(logits, l);
      ctx.write(streams, s);
      ctx.write(pos, positions);
      sampleAdvance(ctx, logits, streams, fused, { R, T }, pos, IDS, { V, ...opts });
      sample(ctx, logits, sampled, sampledLogp, streams, R, V, opts);
      advanceRows(ctx, sampled, sampledLogp, apart, { R, T }, pos, IDS);
      const drawn = sampleRef(l, R, V, { ...opts, stream: s });
      advanceRowsRef(ref, drawn.tokens, drawn.logp, R, T, positions, IDS);
    }
    const keys = ['tokens', 'targets', 'mask', 'logp', 'state'] as const;
    const got = await ctx.readMany(keys.map((key) => fused[key]));
    const want = await ctx.readMany(keys.map((key) => apart[key]));
    keys.forEach((key, i) => {
      expect(got[i], key).toEqual(want[i]);
      if (key === 'logp') expectClose(got[i], ref.logp, { atol: 1e-5, rtol: 1e-5, what: 'logp' });
      else expect(got[i], key).toEqual(ref[key]);
    });
    for (let r = 0; r < R; r++) expect(got[4][4 * r + 3]).toBe(1);
    expect(new Set(Array.from({ length: R }, (_, r) => got[4][4 * r + 1])).size).toBeGreaterThan(1);
    for (const t of [...Object.values(fused), ...Object.values(apart), logits, streams, pos, sampled, sampledLogp]) t.dispose();
  });
});
