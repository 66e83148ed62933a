import { describe, expect, it } from 'vitest';
import { expectClose, finiteDiff, randn, testContext } from '../../testing/gpu';
import { gelu64 } from '../reference/elementwise';
import { layernormMatmulRef, matmulBiasResidualNormRef, matmulBiasGelu64, matmulBiasGeluRef, matmulBiasResidualRef, matmulGeluBackward64, matmulGeluBackwardRef, matmulWeightBiasGrad64, matmulWeightBiasGradRef } from '../reference/matmul-fused';
import type { GpuContext } from '../context';
import type { Tensor } from '../tensor';
import { add, gelu, geluBackward } from './elementwise';
import { MATMUL_GRIDS, columnSum, matmul, matmulGrids, matmulKernel } from './matmul';
import { layernormForward } from './layernorm';
import { layernormMatmul, layernormMatmulApplies, matmulBiasGelu, matmulBiasResidual, matmulBiasResidualNorm, matmulGeluBackward, matmulWeightBiasGrad, residualNormApplies } from './matmul-fused';

// [M, K, N]: awkward (the general path) and multiples of 4 (the vec4 path), the tiny and small presets' MLP among them.
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 17, 33],
  [33, 130, 17],
  [130, 3, 1],
  [12, 36, 20],
  [64, 32, 128],
  [68, 96, 384],
];

const tolerance = (K: number) => ({ atol: 2e-6 * Math.sqrt(K + 1) * 4, rtol: 1e-5 });
const same = (a: Float32Array | Uint32Array | Int32Array, b: Float32Array | Uint32Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

function upload(ctx: GpuContext, ...arrays: Float32Array[]): Tensor[] {
  return arrays.map((a) => ctx.tensor([a.length], 'f32', a));
}

describe.each(SHAPES)('fused matmuls, M=%i K=%i N=%i', (M, K, N) => {
  const seed = M * 31 + K * 7 + N;

  it('bias + GELU matches the reference and matmul + gelu bit for bit, with and without the pre-activation', async () => {
    const ctx = await testContext();
    const x = randn(M * K, seed), w = randn(N * K, seed + 1, 0.5), b = randn(N, seed + 2);
    const [tx, tw, tb] = upload(ctx, x, w, b);
    const y = ctx.tensor([M * N]), pre = ctx.tensor([M * N]), yNoPre = ctx.tensor([M * N]), unfusedPre = ctx.tensor([M * N]), unfusedY = ctx.tensor([M * N]);
    matmulBiasGelu(ctx, tx, tw, tb, y, { M, K, N }, pre);
    matmulBiasGelu(ctx, tx, tw, tb, yNoPre, { M, K, N });
    matmul(ctx, tx, tw, unfusedPre, { M, K, N, layout: 'nt', bias: tb });
    gelu(ctx, unfusedPre, unfusedY);
    const [gy, gpre, gyNoPre, upre, uy] = await ctx.readMany([y, pre, yNoPre, unfusedPre, unfusedY]);
    const ref = matmulBiasGeluRef(x, w, b, M, K, N);
    expectClose(gpre, ref.pre, { ...tolerance(K), what: 'pre' });
    expectClose(gy, ref.y, { ...tolerance(K), what: 'y' });
    expect(same(gpre, upre) && same(gy, uy) && same(gyNoPre, uy)).toBe(true);
    for (const t of [tx, tw, tb, y, pre, yNoPre, unfusedPre, unfusedY]) t.dispose();
  });

  it('bias + residual matches the reference and matmul + add bit for bit', async () => {
    const ctx = await testContext();
    const x = randn(M * K, seed + 3), w = randn(N * K, seed + 4), b = randn(N, seed + 5), r = randn(M * N, seed + 6);
    const [tx, tw, tb, tr] = upload(ctx, x, w, b, r);
    const y = ctx.tensor([M * N]), proj = ctx.tensor([M * N]), unfused = ctx.tensor([M * N]);
    matmulBiasResidual(ctx, tx, tw, tb, tr, y, { M, K, N });
    matmul(ctx, tx, tw, proj, { M, K, N, layout: 'nt', bias: tb });
    add(ctx, tr, proj, unfused);
    const [gy, uy] = await ctx.readMany([y, unfused]);
    expectClose(gy, matmulBiasResidualRef(x, w, b, r, M, K, N), tolerance(K));
    expect(same(gy, uy)).toBe(true);
    for (const t of [tx, tw, tb, tr, y, proj, unfused]) t.dispose();
  });

  it('GELU backward matches the reference and matmul + geluBackward bit for bit', async () => {
    const ctx = await testContext();
    const dy = randn(M * K, seed + 7), w = randn(K * N, seed + 8), pre = randn(M * N, seed + 9, 2);
    const [tdy, tw, tpre] = upload(ctx, dy, w, pre);
    const dx = ctx.tensor([M * N]), g = ctx.tensor([M * N]), unfused = ctx.tensor([M * N]);
    matmulGeluBackward(ctx, tdy, tw, tpre, dx, { M, K, N });
    matmul(ctx, tdy, tw, g, { M, K, N, layout: 'nn' });
    geluBackward(ctx, tpre, g, unfused);
    const [gdx, udx] = await ctx.readMany([dx, unfused]);
    expectClose(gdx, matmulGeluBackwardRef(dy, w, pre, M, K, N), tolerance(K));
    expect(same(gdx, udx)).toBe(true);
    for (const t of [tdy, tw, tpre, dx, g, unfused]) t.dispose();
  });

  it('weight and bias gradients match the reference and matmul + columnSum bit for bit, written and accumulated', async () => {
    const ctx = await testContext();
    // Here M rows of dy [M, N] (out = N) and x [M, K] (in = K).
    const [rows, inDim, outDim] = [M, K, N];
    const dy = randn(rows * outDim, seed + 10), x = randn(rows * inDim, seed + 11), dW0 = randn(outDim * inDim, seed + 12), db0 = randn(outDim, seed + 13);
    const [tdy, tx] = upload(ctx, dy, x);
    const dW = ctx.tensor([outDim * inDim], 'f32', dW0), db = ctx.tensor([outDim], 'f32', db0);
    const uW = ctx.tensor([outDim * inDim], 'f32', dW0), ub = ctx.tensor([outDim], 'f32', db0);
    const fresh = ctx.tensor([outDim * inDim]), freshB = ctx.tensor([outDim]);
    matmulWeightBiasGrad(ctx, tdy, tx, dW, db, rows, inDim, outDim, true);
    matmul(ctx, tdy, tx, uW, { M: outDim, K: rows, N: inDim, layout: 'tn', accumulate: true });
    columnSum(ctx, tdy, ub, rows, outDim, true);
    matmulWeightBiasGrad(ctx, tdy, tx, fresh, freshB, rows, inDim, outDim);
    const [gW, gb, wU, bU, fW, fb] = await ctx.readMany([dW, db, uW, ub, fresh, freshB]);
    const ref = matmulWeightBiasGradRef(dy, x, rows, inDim, outDim);
    expectClose(fW, ref.dW, { ...tolerance(rows), what: 'dW' });
    expectClose(fb, ref.db, { ...tolerance(rows), what: 'db' });
    expectClose(gW, ref.dW.map((v, i) => v + dW0[i]), { ...tolerance(rows), what: 'dW accumulated' });
    expect(same(gW, wU) && same(gb, bU)).toBe(true);
    for (const t of [tdy, tx, dW, db, uW, ub, fresh, freshB]) t.dispose();
  });
});

describe('fused matmul references', () => {
  it('GELU backward is the derivative of Σ dy ⊙ (gelu(pre)·Wᵀ) with respect to pre', () => {
    // The MLP's c_proj: out [M, K] = gelu(pre [M, N]) · W2[K, N]ᵀ, so W2 [K, N] is also the 'nn' B operand.
    const [M, K, N] = [3, 5, 4];
    const dy = randn(M * K, 1), w = randn(K * N, 2), pre = Float64Array.from(randn(M * N, 3, 2));
    const loss = (p: Float64Array) => {
      let s = 0;
      for (let m = 0; m < M; m++) for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) s += dy[m * K + k] * gelu64(p[m * N + n]) * w[k * N + n];
      return s;
    };
    const fd = Array.from(pre, (_, i) => finiteDiff(loss, pre, i));
    expectClose(matmulGeluBackward64(dy, w, pre, M, K, N), fd, { atol: 1e-7, rtol: 1e-6 });
    expect(Math.max(...fd.map(Math.abs))).toBeGreaterThan(0.01);
  });

  it('weight and bias gradients are the derivatives of Σ dy ⊙ (x·Wᵀ + b)', () => {
    const [rows, inDim, outDim] = [4, 3, 5];
    const dy = randn(rows * outDim, 4), x = randn(rows * inDim, 5);
    const w = Float64Array.from(randn(outDim * inDim, 6)), b = Float64Array.from(randn(outDim, 7));
    const loss = () => {
      let s = 0;
      for (let r = 0; r < rows; r++)
        for (let o = 0; o < outDim; o++) {
          let v = b[o];
          for (let i = 0; i < inDim; i++) v += x[r * inDim + i] * w[o * inDim + i];
          s += dy[r * outDim + o] * v;
        }
      return s;
    };
    const { dW, db } = matmulWeightBiasGrad64(dy, x, rows, inDim, outDim);
    expectClose(dW, Array.from(w, (_, i) => finiteDiff(loss, w, i)), { atol: 1e-7, rtol: 1e-6, what: 'dW' });
    expectClose(db, Array.from(b, (_, i) => finiteDiff(loss, b, i)), { atol: 1e-7, rtol: 1e-6, what: 'db' });
  });

  it('bias + GELU reference is gelu of the biased product', () => {
    const [M, K, N] = [2, 3, 4];
    const x = randn(M * K, 8), w = randn(N * K, 9), b = randn(N, 10);
    const { y, pre } = matmulBiasGelu64(x, w, b, M, K, N);
    for (let m = 0; m < M; m++)
      for (let n = 0; n < N; n++) {
        let v = b[n];
        for (let k = 0; k < K; k++) v += x[m * K + k] * w[n * K + k];
        expect(pre[m * N + n]).toBeCloseTo(v, 12);
        expect(y[m * N + n]).toBeCloseTo(gelu64(v), 12);
      }
  });
});

// [M, C, N] for the layer-norm prologue (vec4 shapes only): edge tiles in M and N, one and several 4-blocks of channels.
const LN_SHAPES: [number, number, number][] = [
  [4, 4, 4],
  [20, 12, 36],
  [64, 32, 96],
  [36, 96, 388],
  [132, 32, 20],
];

describe.each(LN_SHAPES)('layer norm folded into the product, M=%i C=%i N=%i', (M, C, N) => {
  it.each([false, true])('matches the reference, and layernormForward + the unfused product bit for bit (GELU: %s)', async (withGelu) => {
    const ctx = await testContext();
    expect(layernormMatmulApplies(M, C, N)).toBe(true);
    const seed = M * 13 + C * 5 + N + (withGelu ? 1 : 0);
    // Rows with an offset and spread of their own, so the normalisation matters.
    const x = randn(M * C, seed).map((v, i) => 3 * v * (1 + (Math.floor(i / C) % 3)) + (Math.floor(i / C) % 5) - 2);
    const lnW = randn(C, seed + 1, 0.5).map((v) => 1 + v), lnB = randn(C, seed + 2, 0.3), w = randn(N * C, seed + 3, 0.5), b = randn(N, seed + 4);
    const [tx, tlw, tlb, tw, tb] = upload(ctx, x, lnW, lnB, w, b);
    const y = ctx.tensor([M * N]), ln = ctx.tensor([M * C]), mean = ctx.tensor([M]), rstd = ctx.tensor([M]), pre = ctx.tensor([M * N]), unfused = ctx.tensor([M * N]);
    layernormMatmul(ctx, tx, { w: tlw, b: tlb }, tw, tb, y, { M, K: C, N }, { gelu: withGelu });
    layernormForward(ctx, tx, tlw, tlb, ln, mean, rstd, M, C);
    if (withGelu) matmulBiasGelu(ctx, ln, tw, tb, unfused, { M, K: C, N }, pre);
    else matmul(ctx, ln, tw, unfused, { M, K: C, N, layout: 'nt', bias: tb });
    const [gy, uy] = await ctx.readMany([y, unfused]);
    expectClose(gy, layernormMatmulRef(x, lnW, lnB, w, b, M, C, N, withGelu), { atol: 1e-5 * Math.sqrt(C) * 4, rtol: 1e-4 });
    expect(same(gy, uy)).toBe(true);
    for (const t of [tx, tlw, tlb, tw, tb, y, ln, mean, rstd, pre, unfused]) t.dispose();
  });
});

describe('layernormMatmul', () => {
  it('refuses shapes the vec4 product cannot take', async () => {
    const ctx = await testContext();
    expect(layernormMatmulApplies(6, 32, 20)).toBe(false);
    expect(layernormMatmulApplies(8, 30, 20)).toBe(false);
    const t = (n: number) => ctx.tensor([n]);
    const [x, lw, lb, w, b, y] = [t(6 * 32), t(32), t(32), t(20 * 32), t(20), t(6 * 20)];
    expect(() => layernormMatmul(ctx, x, { w: lw, b: lb }, w, b, y, { M: 6, K: 32, N: 20 })).toThrow(/multiples of 4/);
    for (const u of [x, lw, lb, w, b, y]) u.dispose();
  });
});

// [M, K, N] for the layer-norm epilogue: rows that end mid-workgroup and mid-tile, N below a tile, one tile, two
// (the tiny preset's C = 32) and four (64, a GPU's workgroup only), K of one and many 4-blocks (the MLP's 4C).
const RES_LN_SHAPES: [number, number, number][] = [
  [4, 4, 4],
  [36, 12, 20],
  [64, 128, 32],
  [40, 32, 96],
  [100, 32, 16],
  [132, 8, 64],
];

describe.each(RES_LN_SHAPES)('layer norm as the residual product\'s epilogue, M=%i K=%i N=%i', (M, K, N) => {
  it.each(MATMUL_GRIDS)('matches the reference, and matmulBiasResidual + layernormForward bit for bit (grid %s)', async (grid) => {
    const ctx = await testContext();
    if (!matmulGrids(ctx).includes(grid)) {
      // A grid this device cannot run is refused clearly; the others must agree.
      expect(() => matmulKernel(ctx, 'matmul', 'nt_v4', grid)).toThrow(/needs subgroups of 4 lanes/);
      return;
    }
    const seed = M * 11 + K * 3 + N + MATMUL_GRIDS.indexOf(grid);
    const x = randn(M * K, seed), w = randn(N * K, seed + 1, 0.5), b = randn(N, seed + 2);
    // A residual with an offset and spread per row, so the normalisation matters.
    const r = randn(M * N, seed + 3).map((v, i) => 2 * v * (1 + (Math.floor(i / N) % 3)) + (Math.floor(i / N) % 5) - 2);
    const lnW = randn(N, seed + 4, 0.5).map((v) => 1 + v), lnB = randn(N, seed + 5, 0.3);
    const [tx, tw, tb, tr, tlw, tlb] = upload(ctx, x, w, b, r, lnW, lnB);
    const t = (n: number) => ctx.tensor([n]);
    const [y, ln, y2, ln2, mean, rstd] = [t(M * N), t(M * N), t(M * N), t(M * N), t(M), t(M)];
    // The epilogue takes the norm's weight and bias, and its means and rstds, as views of one buffer each.
    const at = (n: number) => Math.ceil(n / 64) * 64;
    const lnParams = t(at(N) + N), stats = t(at(M) + M);
    const [pw, pb, sMean, sRstd] = [lnParams.view([N]), lnParams.view([N], at(N)), stats.view([M]), stats.view([M], at(M))];
    ctx.copy(tlw, pw);
    ctx.copy(tlb, pb);
    matmulBiasResidualNorm(ctx, tx, tw, tb, tr, y, { M, K, N }, { w: pw, b: pb, out: ln, mean: sMean, rstd: sRstd }, grid);
    matmulBiasResidual(ctx, tx, tw, tb, tr, y2, { M, K, N });
    layernormForward(ctx, y2, tlw, tlb, ln2, mean, rstd, M, N);
    const [gy, gln, uy, uln, gMean, gRstd, uMean, uRstd] = await ctx.readMany([y, ln, y2, ln2, sMean, sRstd, mean, rstd]);
    const ref = matmulBiasResidualNormRef(x, w, b, r, lnW, lnB, M, K, N);
    expectClose(gy, ref.y, tolerance(K));
    expectClose(gln, ref.ln, { atol: 1e-4, rtol: 1e-4 });
    expect(same(gy, uy)).toBe(true);
    expect(same(gln, uln)).toBe(true);
    expect(same(gMean, uMean)).toBe(true);
    expect(same(gRstd, uRstd)).toBe(true);
    lnParams.dispose();
    stats.dispose();
    for (const u of [tx, tw, tb, tr, tlw, tlb, y, ln, y2, ln2, mean, rstd]) u.dispose();
  });
});

describe('matmulBiasResidualNorm', () => {
  it('applies to vec4 shapes of any width, and refuses other shapes', async () => {
    const ctx = await testContext();
    expect(residualNormApplies(64, 32, 32)).toBe(true);
    expect(residualNormApplies(64, 32, 36)).toBe(true);
    expect(residualNormApplies(64, 32, 200)).toBe(true);
    expect(residualNormApplies(64, 32, 34)).toBe(false);
    expect(residualNormApplies(6, 32, 32)).toBe(false);
    const t = (n: number) => ctx.tensor([n]);
    const [x, w, b, r, lnp, y, ln, st] = [t(8 * 32), t(36 * 32), t(36), t(8 * 36), t(128), t(8 * 36), t(8 * 36), t(128)];
    const norm = { w: lnp.view([36]), b: lnp.view([36], 64), out: ln, mean: st.view([8]), rstd: st.view([8], 64) };
    const odd = [t(34 * 32), t(34), t(8 * 34), t(8 * 34), t(8 * 34)];
    const oddNorm = { w: lnp.view([34]), b: lnp.view([34], 64), out: odd[3], mean: norm.mean, rstd: norm.rstd };
    expect(() => matmulBiasResidualNorm(ctx, x, odd[0], odd[1], odd[2], odd[4], { M: 8, K: 32, N: 34 }, oddNorm)).toThrow(/M, K, N multiples of 4/);
    for (const u of odd) u.dispose();
    // Weight and bias in two buffers (or in the wrong order) cannot share the one binding.
    const [lw, lb] = [t(36), t(36)];
    expect(() => matmulBiasResidualNorm(ctx, x, w, b, r, y, { M: 8, K: 32, N: 36 }, { ...norm, w: lw, b: lb }, 'square')).toThrow(/views of one buffer/);
    expect(() => matmulBiasResidualNorm(ctx, x, w, b, r, y, { M: 8, K: 32, N: 36 }, { ...norm, w: norm.b, b: norm.w }, 'square')).toThrow(/views of one buffer/);
    for (const u of [x, w, b, r, lnp, y, ln, st, lw, lb]) u.dispose();
  });
});
