// The fused decode against its reference, the unfused decode (decode_embed,
// each block's kernels over the KV caches, the output head), bit for bit:
// logits and both caches, on shapes that are awkward for it (rows not a
// multiple of 4, a vocabulary not a multiple of 4, one and several layers,
// head sizes 8 and 16, the first position and a later one).

import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../model/config';
import { decodeModelOffsets, blockForward, outputHead, policyLogitBias, type BlockBuffers } from '../../model/block';
import { buildLayout, gpuViews, initParams } from '../../model/params';
import { randn, testContext } from '../../testing/gpu';
import { Rng } from '../../util/rng';
import { attentionDecode } from './attention';
import { decodeEmbed } from './decode';
import { decodeCacheStride, decodeModel, decodeModelScratchSize, fusedDecodeApplies } from './decode-model';

const bitsOf = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

const CASES: [string, ModelConfig, number, number][] = [
  // name, config, rows R, position s
  ['1 layer, hs 8, 5 rows, s 0', { vocabSize: 9, contextLength: 12, dModel: 16, nLayers: 1, nHeads: 2, tieEmbeddings: true }, 5, 0],
  ['2 layers, hs 8, 9 rows, s 6', { vocabSize: 11, contextLength: 12, dModel: 32, nLayers: 2, nHeads: 4, tieEmbeddings: false }, 9, 6],
  ['3 layers, hs 16, 4 rows, s 11 (the last position)', { vocabSize: 12, contextLength: 12, dModel: 32, nLayers: 3, nHeads: 2, tieEmbeddings: true }, 4, 11],
  ['1 layer, hs 8, 1 row, s 3', { vocabSize: 7, contextLength: 8, dModel: 8, nLayers: 1, nHeads: 1, tieEmbeddings: false }, 1, 3],
];

describe('decodeModel', () => {
  it.each(CASES)('equals the unfused decode bit for bit (%s)', async (_, config, R, s) => {
    const ctx = await testContext();
    const { dModel: C, nHeads: H, nLayers: L, vocabSize: V, contextLength: Tmax } = config;
    expect(fusedDecodeApplies(ctx, C, H)).toBe(ctx.adapter.isSoftware);
    if (!fusedDecodeApplies(ctx, C, H)) return;
    const layout = buildLayout(config);
    const noise = randn(layout.totalSize, 7, 0.2);
    const flat = initParams(layout, 3).map((x, i) => x + noise[i]);
    const params = ctx.tensor([layout.totalSize], 'f32', flat);
    const views = gpuViews(params, layout);
    const p = (name: string) => views.get(name)!;
    const T = Tmax;
    const rng = new Rng(R * 31 + s, 4);
    const tokens = ctx.tensor([R * T], 'u32', Uint32Array.from({ length: R * T }, () => rng.int(V)));
    const bias = ctx.tensor([V], 'f32', policyLogitBias(V));
    const stride = decodeCacheStride(R, Tmax, C);
    // Both decodes start from the same caches: random keys and values at the earlier positions.
    const initialCaches = randn(2 * L * stride, 11 + s);
    const fusedCaches = ctx.tensor([2 * L * stride], 'f32', initialCaches);
    const plainCaches = ctx.tensor([2 * L * stride], 'f32', initialCaches);

    const scores = ctx.tensor([R * H * Tmax]);
    const fusedLogits = ctx.tensor([R, V]);
    const table = decodeModelOffsets(layout);
    const offsets = ctx.tensor([table.length], 'u32', table);
    const scratch = ctx.tensor([decodeModelScratchSize(R, C)]);
    decodeModel(ctx, { C, H, L, V }, { params, offsets, policyBias: bias, tokens, caches: fusedCaches, cacheStride: stride, scratch, scores, logits: fusedLogits }, { R, T, Tmax }, s);

    const rows = (w: number) => ctx.tensor([R, w]);
    const block: BlockBuffers = { input: rows(C), ln1: rows(C), ln1Mean: ctx.tensor([R]), ln1Rstd: ctx.tensor([R]), qkv: rows(3 * C), atty: rows(C), residual2: rows(C), ln2: rows(C), ln2Mean: ctx.tensor([R]), ln2Rstd: ctx.tensor([R]), fch: rows(4 * C), fchGelu: rows(4 * C), output: rows(C) };
    block.output = block.input;
    const pos = ctx.tensor([R], 'u32');
    decodeEmbed(ctx, tokens, p('transformer.wte.weight'), p('transformer.wpe.weight'), block.input, pos, { R, T }, C, s);
    for (let l = 0; l < L; l++) {
      const k = plainCaches.view([R, Tmax, C], 2 * l * stride), v = plainCaches.view([R, Tmax, C], (2 * l + 1) * stride);
      blockForward(ctx, p, l, block, R, C, (qkv, atty) => attentionDecode(ctx, qkv, k, v, pos, atty, R, Tmax, C, H, scores, 'rows'));
    }
    const plainLogits = ctx.tensor([R, V]);
    outputHead(ctx, p, config, block.output, { lnf: rows(C), lnfMean: ctx.tensor([R]), lnfRstd: ctx.tensor([R]), logits: plainLogits }, bias, R);

    const [gotLogits, wantLogits, gotCaches, wantCaches] = (await ctx.readMany([fusedLogits, plainLogits, fusedCaches, plainCaches])) as Float32Array[];
    expect(wantLogits.every(Number.isFinite)).toBe(true);
    for (let i = 0; i < R * V; i++) expect(bitsOf(gotLogits)[i], `logits[${Math.floor(i / V)}, ${i % V}]: ${gotLogits[i]} vs ${wantLogits[i]}`).toBe(bitsOf(wantLogits)[i]);
    // The new keys and values went into position s of every layer's caches, and nothing else moved.
    expect(bitsOf(gotCaches)).toEqual(bitsOf(wantCaches));
    let changed = 0;
    for (let i = 0; i < gotCaches.length; i++) if (gotCaches[i] !== initialCaches[i]) changed++;
    expect(changed).toBe(2 * L * R * C);
  });

  it('refuses what it cannot reproduce, clearly', async () => {
    const ctx = await testContext();
    expect(fusedDecodeApplies(ctx, 12, 2)).toBe(false); // head size 6
    expect(fusedDecodeApplies(ctx, 21, 3)).toBe(false);
    const t = ctx.tensor([4]);
    const b = { params: t, offsets: ctx.tensor([4], 'u32'), policyBias: t, tokens: ctx.tensor([4], 'u32'), caches: t, cacheStride: 4, scratch: t, scores: t, logits: t };
    expect(() => decodeModel(ctx, { C: 12, H: 2, L: 1, V: 4 }, b, { R: 1, T: 4, Tmax: 4 }, 0)).toThrow(/head size/);
    if (ctx.adapter.isSoftware) expect(() => decodeModel(ctx, { C: 16, H: 2, L: 1, V: 4 }, b, { R: 1, T: 4, Tmax: 4 }, 0)).toThrow(/offsets|cache stride/);
  });
});
