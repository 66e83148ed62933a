// Matmul throughput in Node on the context's adapter, for npm run gpu:report:
// every layout at the model's shapes and at one large cube, in GFLOP/s and as
// a fraction of the card's FP32 peak.

import type { GpuContext } from '../gpu/context';
import { type MatmulLayout, matmul } from '../gpu/kernels/matmul';
import { median } from '../metrics/stats';
import { PRESET_NAMES, presetConfig } from '../model/config';
import { Rng } from '../util/rng';

export const LAYOUTS: readonly MatmulLayout[] = ['nn', 'nt', 'tn'];

export interface MatmulShape {
  M: number;
  K: number;
  N: number;
  /** Where the shape occurs, e.g. "small: c_fc". */
  what: string;
}

export interface MatmulTiming extends MatmulShape {
  layout: MatmulLayout;
  gflops: number;
  /** gflops / peak, or null without a known peak. */
  ofPeak: number | null;
}

/**
 * FP32 (non-tensor-core) peaks in GFLOP/s from the vendors' datasheets, matched
 * against the adapter's name; leads, not measurements. Pass --peak-gflops for
 * a card not listed.
 */
const FP32_PEAKS: readonly [RegExp, number][] = [
  [/H200/i, 67_000],
  [/H100.*PCIe/i, 51_200],
  [/H100/i, 67_000],
  [/A100/i, 19_500],
  [/L40S/i, 91_600],
  [/L40\b/i, 90_500],
  [/\bL4\b/i, 30_300],
  [/A10G/i, 31_200],
  [/\bA10\b/i, 31_200],
  [/RTX\s*4090/i, 82_600],
  [/RTX\s*4080/i, 48_700],
  [/RTX\s*3090/i, 35_600],
  [/RTX\s*3080/i, 29_800],
  [/\bT4\b/i, 8_100],
  [/V100/i, 15_700],
];

function uniform(n: number, seed: number): Float32Array {
  const rng = new Rng(seed, 0);
  return Float32Array.from({ length: n }, () => rng.float() - 0.5);
}

export function fp32PeakGflops(adapterName: string): number | null {
  return FP32_PEAKS.find(([re]) => re.test(adapterName))?.[1] ?? null;
}

/** big³ (first: the headline figure, never cut by the time budget), then the forward products of each preset's block over a P·G·T-row batch. */
export function reportShapes(rows = 2048, big = 2048): MatmulShape[] {
  const shapes: MatmulShape[] = [{ M: big, K: big, N: big, what: `${big}³` }];
  for (const preset of PRESET_NAMES) {
    const C = presetConfig(preset, 32, 32).dModel;
    shapes.push({ M: rows, K: C, N: 3 * C, what: `${preset}: c_attn` }, { M: rows, K: C, N: 4 * C, what: `${preset}: c_fc` }, { M: rows, K: 4 * C, N: C, what: `${preset}: mlp c_proj` });
  }
  return shapes;
}

/**
 * Median GFLOP/s of `layout` on `shape`: products recorded in batches that each
 * run at least `batchMs` (one sync per batch), `batches` batches after a warm-up.
 */
export async function timeMatmul(ctx: GpuContext, shape: MatmulShape, layout: MatmulLayout, peak: number | null, batchMs = 50, batches = 3): Promise<MatmulTiming> {
  const { M, K, N } = shape;
  const a = ctx.tensor([M * K], 'f32', uniform(M * K, 1));
  const b = ctx.tensor([K * N], 'f32', uniform(K * N, 2));
  const c = ctx.tensor([M * N]);
  const run = async (n: number) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) matmul(ctx, a, b, c, { M, K, N, layout });
    await ctx.sync();
    return performance.now() - t0;
  };
  try {
    let n = 1;
    let ms = await run(1); // warm-up: pipeline creation
    ms = await run(1);
    while (ms < batchMs && n < 1 << 14) {
      n = Math.min(1 << 14, Math.max(n * 2, Math.ceil((n * batchMs) / Math.max(ms, 0.01))));
      ms = await run(n);
    }
    const perProduct: number[] = [ms / n];
    for (let i = 1; i < batches; i++) perProduct.push((await run(n)) / n);
    const gflops = (2 * M * K * N) / (median(perProduct) * 1e6);
    return { ...shape, layout, gflops, ofPeak: peak ? gflops / peak : null };
  } finally {
    for (const t of [c, b, a]) t.dispose();
  }
}
