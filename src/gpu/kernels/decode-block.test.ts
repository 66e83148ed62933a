import { describe, expect, it } from 'vitest';
import { expectClose, randn, testContext } from '../../testing/gpu';
import type { GpuContext } from '../context';
import { decodeBlockRef } from '../reference/decode-block';
import { type Tensor, alignedElements } from '../tensor';
import { attentionDecode } from './attention';
import { decodeBlock, decodeBlockApplies } from './decode-block';
import { layernormForward } from './layernorm';
import { MATMUL_GRIDS, matmul, matmulGrids, matmulKernel } from './matmul';
import { matmulBiasGelu, matmulBiasResidual } from './matmul-fused';

const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Buffer.from(Float32Array.from(a).buffer).equals(Buffer.from(Float32Array.from(b).buffer));

/** Arrays packed into one buffer at binding-aligned offsets, as views. */
function pack(ctx: GpuContext, arrays: Float32Array[]): { all: Tensor; views: Tensor[] } {
  const at: number[] = [];
  let n = 0;
  for (const a of arrays) {
    at.push(n);
    n += alignedElements(a.length);
  }
  const flat = new Float32Array(n);
  arrays.forEach((a, i) => flat.set(a, at[i]));
  const all = ctx.tensor([n], 'f32', flat);
  return { all, views: arrays.map((a, i) => all.view([a.length], at[i])) };
}

// [R, C, H, Tmax]: one row block and a partial one, head sizes 8 and 24, C wider than a workgroup's columns.
const SHAPES: [number, number, number, number][] = [
  [4, 16, 2, 3],
  [36, 32, 4, 9],
  [64, 32, 4, 21],
  [12, 48, 2, 5],
  [8, 96, 4, 7],
];

describe.each(SHAPES)('decodeBlock R=%i C=%i H=%i Tmax=%i', (R, C, H, Tmax) => {
  it.each(MATMUL_GRIDS)('matches the reference and the dispatch-per-kernel block bit for bit (grid %s)', async (grid) => {
    const ctx = await testContext();
    if (!matmulGrids(ctx).includes(grid)) {
      // A grid this device cannot run is refused clearly; the others must agree.
      expect(() => matmulKernel(ctx, 'matmul', 'nt_v4', grid)).toThrow(/needs subgroups of 4 lanes/);
      return;
    }
    const side = MATMUL_GRIDS.indexOf(grid);
    const seed = R * 101 + C * 7 + H + side;
    const x = randn(R * C, seed);
    const pos = Uint32Array.from({ length: R }, (_, r) => (r * 5 + side) % Tmax);
    const kc = randn(R * Tmax * C, seed + 1), vc = randn(R * Tmax * C, seed + 2);
    const sizes: [string, number][] = [['ln1', C], ['attn', 3 * C], ['proj', C], ['ln2', C], ['fc', 4 * C], ['fc2', C], ['next', C]];
    const prmArrays: Float32Array[] = [];
    sizes.forEach(([name, out], i) => {
      const isNorm = name.startsWith('ln') || name === 'next';
      const inDim = name === 'fc2' ? 4 * C : C;
      prmArrays.push(isNorm ? randn(C, seed + 10 + i, 0.3).map((v) => v + 1) : randn(out * inDim, seed + 10 + i, 1 / Math.sqrt(inDim)));
      prmArrays.push(randn(out, seed + 30 + i, 0.1));
    });
    const prm = pack(ctx, prmArrays);
    const pair = (i: number) => ({ w: prm.views[2 * i], b: prm.views[2 * i + 1] });
    const params = { all: prm.all, ln1: pair(0), attn: pair(1), proj: pair(2), ln2: pair(3), fc: pair(4), fc2: pair(5), next: pair(6) };
    const host = (i: number) => ({ w: prmArrays[2 * i], b: prmArrays[2 * i + 1] });
    const refParams = { ln1: host(0), attn: host(1), proj: host(2), ln2: host(3), fc: host(4), fc2: host(5), next: host(6) };
    const widths = [C, C, 3 * C, C, C, C, 4 * C, C];
    const posT = ctx.tensor([R], 'u32', pos);
    const scores = ctx.tensor([R * H * Tmax]);
    const ref = decodeBlockRef(x, null, refParams, { k: kc, v: vc, pos, Tmax }, R, C, H);

    for (const normFirst of [true, false]) {
      const arena = pack(ctx, widths.map((w, i) => (i === 0 ? x : new Float32Array(R * w))));
      const [tx, ln1, qkv, atty, residual2, ln2, hidden, next] = arena.views;
      const k = ctx.tensor([kc.length], 'f32', kc), v = ctx.tensor([vc.length], 'f32', vc);
      // The same step a kernel per dispatch, as the sampler records it without decodeBlock.
      const u = widths.map((w, i) => ctx.tensor([R * w], 'f32', i === 0 ? x : undefined));
      const [ux, uln1, uqkv, uatty, ures2, uln2, uh, unext] = u;
      const uk = ctx.tensor([kc.length], 'f32', kc), uv = ctx.tensor([vc.length], 'f32', vc);
      const m = ctx.tensor([R]), s = ctx.tensor([R]);
      layernormForward(ctx, ux, params.ln1.w, params.ln1.b, uln1, m, s, R, C);
      matmul(ctx, uln1, params.attn.w, uqkv, { M: R, K: C, N: 3 * C, layout: 'nt', bias: params.attn.b, grid });
      attentionDecode(ctx, uqkv, uk, uv, posT, uatty, R, Tmax, C, H, undefined, 'rows');
      matmulBiasResidual(ctx, uatty, params.proj.w, params.proj.b, ux, ures2, { M: R, K: C, N: C });
      layernormForward(ctx, ures2, params.ln2.w, params.ln2.b, uln2, m, s, R, C);
      matmulBiasGelu(ctx, uln2, params.fc.w, params.fc.b, uh, { M: R, K: C, N: 4 * C });
      const uout = ctx.tensor([R * C]);
      matmulBiasResidual(ctx, uh, params.fc2.w, params.fc2.b, ures2, uout, { M: R, K: 4 * C, N: C });
      layernormForward(ctx, uout, params.next.w, params.next.b, unext, m, s, R, C);

      // Without normFirst the block reads ln_1(x) from ln1, as the previous block's epilogue leaves it.
      if (!normFirst) ctx.copy(uln1, ln1);
      decodeBlock(ctx, { arena: arena.all, x: tx, ln1, qkv, atty, residual2, ln2, hidden, next }, params, { k, v, pos: posT, scores, Tmax }, { R, C, H, normFirst }, grid);

      const [gx, gnext, gk, gv, ox, onext, ok, ov] = await ctx.readMany([tx, next, k, v, uout, unext, uk, uv]);
      const what = `normFirst=${normFirst}`;
      expectClose(gx, ref.x, { atol: 2e-5, rtol: 1e-4, what: `${what} x` });
      expectClose(gnext, ref.next, { atol: 1e-4, rtol: 1e-3, what: `${what} next` });
      expectClose(gk, ref.kCache, { atol: 2e-5, rtol: 1e-4, what: `${what} k cache` });
      expect(same(gx, ox) && same(gnext, onext) && same(gk, ok) && same(gv, ov), what).toBe(true);
      for (const t of [arena.all, k, v, ...u, uk, uv, m, s, uout]) t.dispose();
    }
    for (const t of [prm.all, posT, scores]) t.dispose();
  });
});

describe('decodeBlock', () => {
  it('applies to vec4 shapes with a head size that is a multiple of 8, and refuses others by name', async () => {
    expect(decodeBlockApplies(64, 32, 4)).toBe(true);
    expect(decodeBlockApplies(6, 32, 4)).toBe(false);
    expect(decodeBlockApplies(8, 32, 8)).toBe(false);
    const ctx = await testContext();
    const t = ctx.tensor([64]);
    const pair = { w: t, b: t };
    expect(() => decodeBlock(ctx, { arena: t, x: t, ln1: t, qkv: t, atty: t, residual2: t, ln2: t, hidden: t, next: t }, { all: t, ln1: pair, attn: pair, proj: pair, ln2: pair, fc: pair, fc2: pair, next: pair }, { k: t, v: t, pos: t, scores: t, Tmax: 1 }, { R: 6, C: 32, H: 4, normFirst: true })).toThrow(/R and C multiples of 4/);
    t.dispose();
  });
});
