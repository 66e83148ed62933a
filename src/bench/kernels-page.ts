// The page that src/cli/bench-kernels.ts drives in headless Chromium: our
// matmul and tfjs-webgpu's tf.matMul timed on the same adapter, in the same
// page. It exposes runMatmulBench on window; the CLI calls it and prints.

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import { createGpuContext } from '../gpu/context';
import { matmul } from '../gpu/kernels/matmul';
import type { MatmulLayout } from '../gpu/reference/matmul';
import { Rng } from '../util/rng';

export interface BenchShape {
  M: number;
  K: number;
  N: number;
}

export interface BenchOptions {
  /** Untimed runs before timing. */
  warmup: number;
  /** Timed runs: at least this many… */
  minIters: number;
  /** …and until this much time has passed. */
  minMs: number;
  /** Our other layouts to time besides 'nn' (the one tf.matMul computes). */
  extraLayouts: MatmulLayout[];
}

export interface BenchRow {
  shape: string;
  oursGflops: number;
  peerGflops: number;
  ratio: number;
  adapter: string;
  /** GFLOP/s of our other layouts, by layout. */
  layouts: Partial<Record<MatmulLayout, number>>;
}

declare global {
  interface Window {
    runMatmulBench: (shapes: BenchShape[], options: BenchOptions) => Promise<BenchRow[]>;
    benchReady: boolean;
  }
}

function log(line: string): void {
  const el = document.getElementById('log');
  if (el) el.textContent = `${el.textContent === 'Loading…' ? '' : el.textContent}${line}\n`;
}

function uniformValues(n: number, seed: number): Float32Array {
  const rng = new Rng(seed, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.float() * 2 - 1;
  return out;
}

/**
 * Median seconds per run of each contender; each run must return only after
 * the GPU has finished. Contenders take turns run by run, so a machine that
 * gets busier or quieter meanwhile affects all of them alike.
 */
async function secondsPerRun(contenders: (() => Promise<void>)[], { warmup, minIters, minMs }: BenchOptions): Promise<number[]> {
  for (let i = 0; i < warmup; i++) for (const once of contenders) await once();
  const times: number[][] = contenders.map(() => []);
  const start = performance.now();
  while (times[0].length < minIters || performance.now() - start < minMs) {
    for (const [c, once] of contenders.entries()) {
      const t0 = performance.now();
      await once();
      times[c].push((performance.now() - t0) / 1000);
    }
  }
  return times.map((ts) => ts.sort((x, y) => x - y)[Math.floor(ts.length / 2)]);
}

const gflops = ({ M, K, N }: BenchShape, seconds: number) => (2 * M * K * N) / seconds / 1e9;

async function runMatmulBench(shapes: BenchShape[], options: BenchOptions): Promise<BenchRow[]> {
  const ctx = await createGpuContext(navigator.gpu);
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs could not start its WebGPU backend');
  await tf.ready();
  if (tf.getBackend() !== 'webgpu') throw new Error(`tfjs runs on ${tf.getBackend()}, not webgpu`);
  const rows: BenchRow[] = [];
  for (const shape of shapes) {
    const { M, K, N } = shape;
    const a = uniformValues(M * K, 1), b = uniformValues(K * N, 2);
    // 'nt' reads B as [N,K] and 'tn' reads A as [K,M]; the values do not matter for timing.
    const ta = ctx.tensor([M * K], 'f32', a), tb = ctx.tensor([K * N], 'f32', b), out = ctx.tensor([M * N]);
    const tfA = tf.tensor2d(a, [M, K]), tfB = tf.tensor2d(b, [K, N]);
    const layouts: MatmulLayout[] = ['nn', ...options.extraLayouts.filter((l) => l !== 'nn')];
    // Both sides synchronise the same way: each run ends by reading C back.
    const ours = layouts.map((layout) => async () => {
      matmul(ctx, ta, tb, out, { M, K, N, layout });
      await ctx.read(out);
    });
    const peer = async () => {
      const c = tf.matMul(tfA, tfB);
      await c.data();
      c.dispose();
    };
    const seconds = await secondsPerRun([...ours, peer], options);
    for (const t of [ta, tb, out]) t.dispose();
    tfA.dispose();
    tfB.dispose();
    const byLayout: Partial<Record<MatmulLayout, number>> = {};
    layouts.forEach((layout, i) => (byLayout[layout] = gflops(shape, seconds[i])));
    const oursGflops = byLayout.nn!, peerGflops = gflops(shape, seconds[seconds.length - 1]);
    const row = { shape: `${M}x${K}x${N}`, oursGflops, peerGflops, ratio: oursGflops / peerGflops, adapter: ctx.adapter.name, layouts: byLayout };
    log(JSON.stringify(row));
    rows.push(row);
  }
  ctx.destroy();
  return rows;
}

window.runMatmulBench = runMatmulBench;
window.benchReady = true;
log('ready');
