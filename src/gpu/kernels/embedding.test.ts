import { describe, expect, it } from 'vitest';
import { expectClose, finiteDiff, randn, testContext } from '../../testing/gpu';
import { Rng } from '../../util/rng';
import { embeddingBackwardRef, embeddingForward64, embeddingForwardRef } from '../reference/embedding';
import { normStats } from '../../model/block';
import { layernormForwardRef } from '../reference/layernorm';
import { type Tensor, alignedElements } from '../tensor';
import { decodeEmbed } from './decode';
import { embeddingBackward, embeddingForward, embeddingNorm } from './embedding';
import { layernormForward } from './layernorm';

/** Tokens drawn from the first few ids only, so some rows repeat and some vocabulary rows get no gradient. */
function randomTokens(n: number, V: number, seed: number): Uint32Array {
  const rng = new Rng(seed, 3);
  return Uint32Array.from({ length: n }, () => rng.u32() % Math.max(1, V - 2));
}

// [B, T, C, V, Tmax]
const SHAPES: [number, number, number, number, number][] = [
  [1, 1, 4, 3, 1],
  [3, 17, 12, 5, 20],
  [2, 3, 36, 17, 3],
  [5, 33, 4, 130, 40],
  [1, 130, 70, 33, 130],
];

describe('embedding', () => {
  it.each(SHAPES)('forward and backward match the reference for B=%i T=%i C=%i V=%i Tmax=%i', async (B, T, C, V, Tmax) => {
    const ctx = await testContext();
    const seed = B * 1000 + T * 10 + C;
    const tokens = randomTokens(B * T, V, seed), wte = randn(V * C, seed + 1), wpe = randn(Tmax * C, seed + 2), dout = randn(B * T * C, seed + 3);
    const tTok = ctx.tensor([B * T], 'u32', tokens), tWte = ctx.tensor([V, C], 'f32', wte), tWpe = ctx.tensor([Tmax, C], 'f32', wpe);
    const out = ctx.tensor([B * T, C]), tDout = ctx.tensor([B * T, C], 'f32', dout);
    // Garbage in the gradients checks that the non-accumulating pass overwrites every element.
    const dwte = ctx.tensor([V, C], 'f32', randn(V * C, 99)), dwpe = ctx.tensor([Tmax, C], 'f32', randn(Tmax * C, 98));
    embeddingForward(ctx, tTok, tWte, tWpe, out, B, T, C);
    embeddingBackward(ctx, tDout, tTok, dwte, dwpe, B, T, C, V);
    const [gOut, gDwte, gDwpe] = await ctx.readMany([out, dwte, dwpe]);
    expectClose(gOut, embeddingForwardRef(tokens, wte, wpe, B, T, C), { atol: 0, rtol: 0, what: 'out' });
    const ref = embeddingBackwardRef(dout, tokens, B, T, C, V, Tmax);
    expectClose(gDwte, ref.dwte, { atol: 1e-5, rtol: 1e-5, what: 'dwte' });
    expectClose(gDwpe, ref.dwpe, { atol: 1e-5, rtol: 1e-5, what: 'dwpe' });
    for (const t of [tTok, tWte, tWpe, out, tDout, dwte, dwpe]) t.dispose();
  });

  it.each([
    [7, 4, 5, 9, false],
    [33, 12, 17, 40, true],
    [130, 70, 33, 131, true],
  ] as const)('rows at given positions: N=%i C=%i V=%i Tmax=%i (accumulate %s) match the reference', async (N, C, V, Tmax, accumulate) => {
    const ctx = await testContext();
    const rng = new Rng(N + C, 5);
    // Positions repeat and skip some, as packed rows do.
    const positions = Uint32Array.from({ length: N }, () => rng.u32() % (Tmax - 1));
    const tokens = randomTokens(N, V, N), wte = randn(V * C, 1), wpe = randn(Tmax * C, 2), dout = randn(N * C, 3), prevWpe = randn(Tmax * C, 4);
    const tTok = ctx.tensor([N], 'u32', tokens), tPos = ctx.tensor([N], 'u32', positions), tWte = ctx.tensor([V, C], 'f32', wte), tWpe = ctx.tensor([Tmax, C], 'f32', wpe);
    const out = ctx.tensor([N, C]), tDout = ctx.tensor([N, C], 'f32', dout);
    const dwte = ctx.tensor([V, C], 'f32', randn(V * C, 99)), dwpe = ctx.tensor([Tmax, C], 'f32', prevWpe);
    embeddingForward(ctx, tTok, tWte, tWpe, out, N, 1, C, tPos);
    embeddingBackward(ctx, tDout, tTok, dwte, dwpe, N, 1, C, V, accumulate, tPos);
    const [gOut, gDwpe] = await ctx.readMany([out, dwpe]);
    expectClose(gOut, embeddingForwardRef(tokens, wte, wpe, N, 1, C, positions), { atol: 0, rtol: 0, what: 'out' });
    const ref = embeddingBackwardRef(dout, tokens, N, 1, C, V, Tmax, positions);
    expectClose(gDwpe, accumulate ? ref.dwpe.map((g, i) => g + prevWpe[i]) : ref.dwpe, { atol: 1e-5, rtol: 1e-5, what: 'dwpe' });
    expect(ref.dwpe.some((g) => g !== 0)).toBe(true);
    for (const t of [tTok, tPos, tWte, tWpe, out, tDout, dwte, dwpe]) t.dispose();
  });

  it('accumulates into existing gradients when asked', async () => {
    const ctx = await testContext();
    const [B, T, C, V, Tmax] = [3, 5, 12, 7, 8];
    const tokens = randomTokens(B * T, V, 1), dout = randn(B * T * C, 2), prevWte = randn(V * C, 3), prevWpe = randn(Tmax * C, 4);
    const tTok = ctx.tensor([B * T], 'u32', tokens), tDout = ctx.tensor([B * T, C], 'f32', dout);
    const dwte = ctx.tensor([V, C], 'f32', prevWte), dwpe = ctx.tensor([Tmax, C], 'f32', prevWpe);
    embeddingBackward(ctx, tDout, tTok, dwte, dwpe, B, T, C, V, true);
    const [gDwte, gDwpe] = await ctx.readMany([dwte, dwpe]);
    const ref = embeddingBackwardRef(dout, tokens, B, T, C, V, Tmax);
    expectClose(gDwte, ref.dwte.map((g, i) => g + prevWte[i]), { atol: 1e-5, rtol: 1e-5, what: 'dwte' });
    expectClose(gDwpe, ref.dwpe.map((g, i) => g + prevWpe[i]), { atol: 1e-5, rtol: 1e-5, what: 'dwpe' });
    for (const t of [tTok, tDout, dwte, dwpe]) t.dispose();
  });

  it('reference backward matches central differences of the reference forward', () => {
    const [B, T, C, V, Tmax] = [2, 3, 4, 5, 4];
    const tokens = randomTokens(B * T, V, 7), dout = randn(B * T * C, 8);
    const wte = Float64Array.from(randn(V * C, 9)), wpe = Float64Array.from(randn(Tmax * C, 10));
    const loss = () => embeddingForward64(tokens, wte, wpe, B, T, C).reduce((s, o, i) => s + o * dout[i], 0);
    const ref = embeddingBackwardRef(dout, tokens, B, T, C, V, Tmax);
    expectClose(ref.dwte, Array.from(wte, (_, i) => finiteDiff(loss, wte, i)), { atol: 1e-6, rtol: 1e-6, what: 'dwte' });
    expectClose(ref.dwpe, Array.from(wpe, (_, i) => finiteDiff(loss, wpe, i)), { atol: 1e-6, rtol: 1e-6, what: 'dwpe' });
  });

  it('is deterministic', async () => {
    const ctx = await testContext();
    const [B, T, C, V] = [4, 33, 36, 9];
    const tokens = randomTokens(B * T, V, 11);
    const tTok = ctx.tensor([B * T], 'u32', tokens), tDout = ctx.tensor([B * T, C], 'f32', randn(B * T * C, 12));
    const dwte = ctx.tensor([V, C]), dwpe = ctx.tensor([T, C]);
    const run = () => {
      embeddingBackward(ctx, tDout, tTok, dwte, dwpe, B, T, C, V);
      return ctx.readMany([dwte, dwpe]);
    };
    expect(await run()).toEqual(await run());
    for (const t of [tTok, tDout, dwte, dwpe]) t.dispose();
  });
});

describe('embeddingNorm', () => {
  // [N, T, C, V, Tmax] (N a multiple of T): one row; rows over several workgroups of 16; a wide C.
  it.each([[1, 1, 4, 3, 1], [35, 5, 12, 7, 9], [20, 4, 68, 30, 6]])('gives embeddingForward (or decodeEmbed) then layernormForward bit for bit, and the reference, N=%i T=%i C=%i V=%i Tmax=%i', async (N, T, C, V, Tmax) => {
    const ctx = await testContext();
    const seed = N * 100 + C;
    const rng = new Rng(seed, 9);
    const wte = ctx.tensor([V, C], 'f32', randn(V * C, seed)), wpe = ctx.tensor([Tmax, C], 'f32', randn(Tmax * C, seed + 1));
    // The layer norm's weight and bias as a model holds them: views of one buffer, bias after weight.
    const lnData = randn(2 * C, seed + 2).map((v, i) => (i < C ? 1 + 0.3 * v : v));
    const lnAll = ctx.tensor([alignedElements(C) + C]);
    const lnW = lnAll.view([C]), lnB = lnAll.view([C], alignedElements(C));
    ctx.write(lnW, lnData.subarray(0, C));
    ctx.write(lnB, lnData.subarray(C));
    const positions = Uint32Array.from({ length: N }, () => rng.int(Tmax));
    const own = Uint32Array.from({ length: N }, () => rng.int(V));
    const atRows = Uint32Array.from({ length: N * Tmax }, () => rng.int(V));
    const tPos = ctx.tensor([N], 'u32', positions), tOwn = ctx.tensor([N], 'u32', own), tAt = ctx.tensor([N * Tmax], 'u32', atRows);
    const owned: Tensor[] = [wte, wpe, lnAll, tPos, tOwn, tAt];
    const norm = () => {
      let all: Tensor | null = null;
      const [mean, rstd] = normStats((shape) => (all = ctx.tensor(shape)), N);
      const x = ctx.tensor([N, C]), out = ctx.tensor([N, C]);
      owned.push(all!, x, out);
      return { x, ln: { w: lnW, b: lnB, out, mean, rstd } };
    };
    const cases = [
      { name: 'rows at n % T', rows: { N, T }, tokens: tOwn, apart: (x: Tensor) => embeddingForward(ctx, tOwn, wte, wpe, x, N / T, T, C), ref: () => Array.from({ length: N }, (_, n) => [own[n], n % T] as const) },
      { name: 'rows at positions', rows: { N, T: Tmax, positions: tPos }, tokens: tOwn, apart: (x: Tensor) => embeddingForward(ctx, tOwn, wte, wpe, x, N, 1, C, tPos), ref: () => Array.from({ length: N }, (_, n) => [own[n], positions[n]] as const) },
      { name: "[N, T] tokens read at each row's position", rows: { N, T: Tmax, positions: tPos, atPosition: true }, tokens: tAt, apart: (x: Tensor) => decodeEmbed(ctx, tAt, wte, wpe, x, tPos, { R: N, T: Tmax }, C), ref: () => Array.from({ length: N }, (_, n) => [atRows[n * Tmax + positions[n]], positions[n]] as const) },
    ];
    const [wteData, wpeData] = (await ctx.readMany([wte, wpe])) as Float32Array[];
    for (const c of cases) {
      const fused = norm(), apart = norm();
      embeddingNorm(ctx, c.tokens, wte, wpe, fused.x, c.rows, C, fused.ln);
      c.apart(apart.x);
      layernormForward(ctx, apart.x, lnW, lnB, apart.ln.out, apart.ln.mean, apart.ln.rstd, N, C);
      const got = await ctx.readMany([fused.x, fused.ln.out, fused.ln.mean, fused.ln.rstd]);
      const want = await ctx.readMany([apart.x, apart.ln.out, apart.ln.mean, apart.ln.rstd]);
      got.forEach((g, k) => expect(g, `${c.name}: output ${k}`).toEqual(want[k]));
      // The reference: token + position rows, then the layer norm.
      const x = new Float32Array(N * C);
      c.ref().forEach(([tok, s], n) => { for (let k = 0; k < C; k++) x[n * C + k] = wteData[tok * C + k] + wpeData[s * C + k]; });
      expectClose(got[0], x, { atol: 0, rtol: 0, what: `${c.name}: x` });
      const f = layernormForwardRef(x, lnData.subarray(0, C), lnData.subarray(C), N, C);
      expectClose(got[1], f.out, { atol: 1e-5, rtol: 1e-4, what: `${c.name}: ln out` });
    }
    for (const t of owned) t.dispose();
  });
});
