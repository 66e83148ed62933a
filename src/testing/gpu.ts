// Helpers shared by the GPU tests: one context per test file, seeded data,
// and closeness checks that report the worst element.

import { expect } from 'vitest';
import type { GpuContext } from '../gpu/context';
import { createNodeContext } from '../gpu/node';
import { Rng } from '../util/rng';

let ctx: Promise<GpuContext> | null = null;

/** The test file's GPU context (Dawn in Node; SwiftShader when there is no GPU). */
export function testContext(): Promise<GpuContext> {
  ctx ??= createNodeContext({ label: 'test' });
  return ctx;
}

/** Awkward sizes: not multiples of any tile or workgroup size. */
export const AWKWARD = [1, 3, 17, 33, 130] as const;

export function randn(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed, 7);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * scale;
  return out;
}

export function randu(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = new Rng(seed, 11);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rng.float();
  return out;
}

/** Largest |a−e| / (atol + rtol·|e|) over all elements, and where it occurs. */
export function worstError(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number): { ratio: number; index: number } {
  let ratio = 0;
  let index = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const d = Math.abs(a - e);
    const r = d === 0 ? 0 : Number.isFinite(a) ? d / (atol + rtol * Math.abs(e)) : Infinity;
    if (!(r <= ratio)) {
      ratio = r;
      index = i;
    }
  }
  return { ratio, index };
}

/** Asserts every element is within atol + rtol·|expected|. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, { atol = 1e-5, rtol = 1e-4, what = 'values' } = {}): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const { ratio, index } = worstError(actual, expected, atol, rtol);
  expect(ratio, `${what}: worst at [${index}]: got ${actual[index]}, expected ${expected[index]}`).toBeLessThanOrEqual(1);
}

/** Central finite difference of a scalar function with respect to x[i]. */
export function finiteDiff(f: (x: Float64Array) => number, x: Float64Array, i: number, h = 1e-5): number {
  const keep = x[i];
  x[i] = keep + h;
  const up = f(x);
  x[i] = keep - h;
  const down = f(x);
  x[i] = keep;
  return (up - down) / (2 * h);
}
