// npm run bench:fused [-- --reps N] [--rounds N] [--only TEXT] [--json FILE]
//
// Old against new, per kernel, at the tiny and small presets' shapes, in Node
// on this machine's adapter: each unfused sequence beside the fused kernel
// that replaces it, and the 'rows' attention kernels beside the 'tiled' ones.
// Each contender records `reps` calls into one submission and waits for it;
// the contenders alternate for `rounds` rounds and the medians are printed.
// On a shared machine the numbers are indicative, not exact.

import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import type { GpuContext } from '../gpu/context';
import { attentionBackward, attentionDecode, attentionForward } from '../gpu/kernels/attention';
import { add, gelu, geluBackward } from '../gpu/kernels/elementwise';
import { layernormBackward, layernormBackwardResidual, layernormForward } from '../gpu/kernels/layernorm';
import { columnSum, matmul } from '../gpu/kernels/matmul';
import { matmulBiasGelu, matmulBiasResidual, matmulGeluBackward, matmulWeightBiasGrad } from '../gpu/kernels/matmul-fused';
import { createNodeContext } from '../gpu/node';
import { type Tensor, product } from '../gpu/tensor';
import { normStats } from '../model/block';
import { PRESET_SHAPES_FOR_BENCH } from './bench-fused-shapes';

interface Contender {
  name: string;
  run: () => void;
}

interface Case {
  op: string;
  shape: string;
  old: Contender;
  fresh: Contender;
}

interface Row {
  op: string;
  shape: string;
  old: string;
  new: string;
  oldUs: number;
  newUs: number;
  oldDispatches: number;
  newDispatches: number;
}

function parseArgs(argv: string[]): { reps: number; rounds: number; json: string | null; only: string | null } {
  const out = { reps: 20, rounds: 5, json: null as string | null, only: null as string | null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') continue;
    const value = argv[++i];
    if (a === '--reps' || a === '--rounds') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${a} needs a positive integer, got ${value}`);
      out[a === '--reps' ? 'reps' : 'rounds'] = n;
    } else if (a === '--only') {
      if (!value) throw new Error('--only needs a text that a case or its shape contains');
      out.only = value;
    } else if (a === '--json') {
      if (!value) throw new Error('--json needs a file name');
      out.json = value;
    } else throw new Error(`Unknown argument ${a}. Usage: bench:fused [--reps N] [--rounds N] [--only TEXT] [--json FILE]`);
  }
  return out;
}

function rand(ctx: GpuContext, n: number, scale = 0.5): Tensor {
  const a = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    a[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return ctx.tensor([n], 'f32', a);
}

/** Median µs per call of `c`, and the dispatches one call records. */
async function time(ctx: GpuContext, c: Contender, reps: number): Promise<{ us: number; dispatches: number }> {
  const d0 = ctx.stats().dispatches;
  c.run();
  const dispatches = ctx.stats().dispatches - d0;
  await ctx.sync();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) c.run();
  await ctx.sync();
  return { us: ((performance.now() - t0) * 1000) / reps, dispatches };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function cases(ctx: GpuContext, preset: string, C: number, H: number, T: number, B: number): Case[] {
  const N = B * T;
  const shape = `${preset} B·T=${B}×${T} C=${C}`;
  const x = rand(ctx, N * 4 * C), w = rand(ctx, 4 * C * 4 * C), bias = rand(ctx, 4 * C), r = rand(ctx, N * C);
  const pre = ctx.tensor([N * 4 * C]), y = ctx.tensor([N * 4 * C]), tmp = ctx.tensor([N * 4 * C]);
  const dW = ctx.tensor([4 * C * 4 * C]), db = ctx.tensor([4 * C]);
  const xC = x.view([N * C]), w4 = w.view([4 * C * C]), yC = y.view([N * C]), tmpC = tmp.view([N * C]);
  const qkv = rand(ctx, N * 3 * C), att = ctx.tensor([B * H * T * T]), out = ctx.tensor([N * C]), dqkv = ctx.tensor([N * 3 * C]), dscore = ctx.tensor([B * H * T * T]);
  const kCache = rand(ctx, B * T * C), vCache = rand(ctx, B * T * C), pos = ctx.tensor([B], 'u32', new Uint32Array(B).fill(T - 1)), scores = ctx.tensor([B * H * T]);
  const qkvRow = qkv.view([B * 3 * C]), outRow = out.view([B * C]);
  const lnW = rand(ctx, C), lnB = rand(ctx, C), lnDw = ctx.tensor([C]), lnDb = ctx.tensor([C]), [stats, stats2] = normStats((shape) => rand(ctx, product(shape)), N);
  return [
    {
      // Not a fused kernel: the most a layernorm folded into this matmul's prologue could save.
      op: 'ln_1 → qkv: the bound on an LN prologue',
      shape,
      old: { name: 'layernormForward + matmul', run: () => (layernormForward(ctx, r, lnW, lnB, yC, stats, stats2, N, C), matmul(ctx, yC, w4.view([3 * C * C]), qkv, { M: N, K: C, N: 3 * C, layout: 'nt', bias: bias.view([3 * C]) })) },
      fresh: { name: 'matmul alone', run: () => matmul(ctx, yC, w4.view([3 * C * C]), qkv, { M: N, K: C, N: 3 * C, layout: 'nt', bias: bias.view([3 * C]) }) },
    },
    {
      op: 'MLP up: y = gelu(x·Wᵀ + b), pre kept',
      shape,
      old: { name: 'matmul + gelu', run: () => (matmul(ctx, xC, w4, pre, { M: N, K: C, N: 4 * C, layout: 'nt', bias }), gelu(ctx, pre, y)) },
      fresh: { name: 'matmulBiasGelu', run: () => matmulBiasGelu(ctx, xC, w4, bias, y, { M: N, K: C, N: 4 * C }, pre) },
    },
    {
      op: 'MLP down: y = r + x·Wᵀ + b',
      shape,
      old: { name: 'matmul + add', run: () => (matmul(ctx, x, w4, tmpC, { M: N, K: 4 * C, N: C, layout: 'nt', bias: bias.view([C]) }), add(ctx, r, tmpC, yC)) },
      fresh: { name: 'matmulBiasResidual', run: () => matmulBiasResidual(ctx, x, w4, bias.view([C]), r, yC, { M: N, K: 4 * C, N: C }) },
    },
    {
      op: 'MLP backward: dfch = (dy·W) ⊙ gelu′(pre)',
      shape,
      old: { name: 'matmul nn + geluBackward', run: () => (matmul(ctx, r, w4, tmp, { M: N, K: C, N: 4 * C, layout: 'nn' }), geluBackward(ctx, pre, tmp, y)) },
      fresh: { name: 'matmulGeluBackward', run: () => matmulGeluBackward(ctx, r, w4, pre, y, { M: N, K: C, N: 4 * C }) },
    },
    {
      op: 'c_fc grads: dW += dyᵀ·x, db += Σ dy',
      shape,
      old: { name: 'matmul tn + columnSum', run: () => (matmul(ctx, x, xC, dW.view([4 * C * C]), { M: 4 * C, K: N, N: C, layout: 'tn', accumulate: true }), columnSum(ctx, x, db, N, 4 * C, true)) },
      fresh: { name: 'matmulWeightBiasGrad', run: () => matmulWeightBiasGrad(ctx, x, xC, dW.view([4 * C * C]), db, N, C, 4 * C, true) },
    },
    {
      op: 'ln backward into the residual stream',
      shape,
      old: { name: 'layernormBackward + add', run: () => (layernormBackward(ctx, r, xC, lnW, stats, stats2, tmpC, lnDw, lnDb, N, C, true), add(ctx, out, tmpC, yC)) },
      fresh: { name: 'layernormBackwardResidual', run: () => layernormBackwardResidual(ctx, r, xC, lnW, stats, stats2, out, yC, lnDw, lnDb, N, C, true) },
    },
    {
      op: 'attention forward',
      shape,
      old: { name: 'rows', run: () => attentionForward(ctx, qkv, out, att, B, T, C, H, 'rows') },
      fresh: { name: 'tiled', run: () => attentionForward(ctx, qkv, out, att, B, T, C, H, 'tiled') },
    },
    {
      op: 'attention backward',
      shape,
      old: { name: 'rows', run: () => attentionBackward(ctx, out, qkv, att, dqkv, B, T, C, H, dscore, 'rows') },
      fresh: { name: 'tiled', run: () => attentionBackward(ctx, out, qkv, att, dqkv, B, T, C, H, dscore, 'tiled') },
    },
    {
      op: `attention decode (${B} rows at position ${T - 1})`,
      shape,
      old: { name: 'rows', run: () => attentionDecode(ctx, qkvRow, kCache, vCache, pos, outRow, B, T, C, H, scores, 'rows') },
      fresh: { name: 'tiled', run: () => attentionDecode(ctx, qkvRow, kCache, vCache, pos, outRow, B, T, C, H, scores, 'tiled') },
    },
  ];
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const ctx = await createNodeContext({ label: 'bench-fused' });
  const load = loadavg()[0];
  console.log(`adapter: ${ctx.adapter.name}; ${availableParallelism()} CPU cores, load average ${load.toFixed(1)}; ${args.reps} calls per submission, median of ${args.rounds} rounds`);
  const rows: Row[] = [];
  for (const s of PRESET_SHAPES_FOR_BENCH) {
    for (const c of cases(ctx, s.preset, s.C, s.H, s.T, s.B)) {
      if (args.only && !`${c.shape} ${c.op}`.includes(args.only)) continue;
      const olds: number[] = [], news: number[] = [];
      let dOld = 0, dNew = 0;
      for (let round = 0; round < args.rounds; round++) {
        const o = await time(ctx, c.old, args.reps);
        const n = await time(ctx, c.fresh, args.reps);
        olds.push(o.us);
        news.push(n.us);
        [dOld, dNew] = [o.dispatches, n.dispatches];
      }
      const row = { op: c.op, shape: c.shape, old: c.old.name, new: c.fresh.name, oldUs: median(olds), newUs: median(news), oldDispatches: dOld, newDispatches: dNew };
      rows.push(row);
      console.log(`${row.shape.padEnd(28)} ${row.op.padEnd(44)} ${row.old.padEnd(26)} ${row.oldUs.toFixed(0).padStart(7)} µs (${dOld})  ${row.new.padEnd(20)} ${row.newUs.toFixed(0).padStart(7)} µs (${dNew})  old/new ${(row.oldUs / row.newUs).toFixed(2)}×`);
    }
  }
  if (args.json) writeFileSync(args.json, JSON.stringify({ adapter: ctx.adapter.name, cores: availableParallelism(), load, reps: args.reps, rounds: args.rounds, rows }, null, 2));
  ctx.destroy();
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exit(1);
});
