import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng';
import { bootstrapCI, interquartileMean, iqmWithCI, mean, median, quantile, std } from './stats';

describe('mean, std, median, quantile', () => {
  it('give known values', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    // Σ(x − 5)² = 32 over 8 values, so the unbiased variance is 32/7.
    expect(std([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 15);
    expect(std([3, 3, 3])).toBe(0);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('interpolates quantiles linearly between order statistics', () => {
    const xs = [10, 0, 30, 20]; // sorted 0, 10, 20, 30 at positions 0..3
    expect(quantile(xs, 0)).toBe(0);
    expect(quantile(xs, 1)).toBe(30);
    expect(quantile(xs, 0.25)).toBeCloseTo(7.5, 12);
    expect(quantile(xs, 0.9)).toBeCloseTo(27, 12);
    expect(xs).toEqual([10, 0, 30, 20]); // inputs are left unsorted
  });

  it('refuse empty input, one-value std and q outside [0, 1]', () => {
    expect(() => mean([])).toThrow(/at least 1 value/);
    expect(() => std([1])).toThrow(/at least 2 values/);
    expect(() => quantile([1], 1.5)).toThrow(/\[0, 1\]/);
    expect(() => interquartileMean([])).toThrow(/at least 1/);
  });
});

describe('interquartileMean', () => {
  it('is the mean of the middle half when n is a multiple of 4', () => {
    expect(interquartileMean([100, 1, 2, -50])).toBe(1.5);
    expect(interquartileMean([8, 1, 7, 2, 6, 3, 5, 4])).toBe(4.5);
  });

  it('drops ⌊n/4⌋ values at each end otherwise, as scipy.stats.trim_mean(x, 0.25) does', () => {
    expect(interquartileMean([42])).toBe(42);
    expect(interquartileMean([1, 3])).toBe(2);
    // n = 3 drops nothing: the mean. Three seeds [0, 0, 0.125] give 0.125/3 (a weighted IQM gave 0.021).
    expect(interquartileMean([0, 4, 8])).toBe(4);
    expect(interquartileMean([0, 0.125, 0])).toBeCloseTo(0.125 / 3, 15);
    // n = 5 drops one at each end: the mean of the middle 3.
    expect(interquartileMean([1000, 1, 2, 4, -1000])).toBeCloseTo(7 / 3, 15);
    // n = 6 drops one at each end, n = 7 one, n = 9 two.
    expect(interquartileMean([0, 1, 2, 3, 4, 100])).toBe(2.5);
    expect(interquartileMean([-9, 1, 2, 3, 4, 5, 90])).toBe(3);
    expect(interquartileMean([-9, -8, 1, 2, 3, 4, 5, 80, 90])).toBe(3);
  });

  it('ignores the outer quarters and equals the mean for symmetric data', () => {
    const rng = new Rng(7);
    for (const n of [1, 3, 17, 33, 130]) {
      const xs = Array.from({ length: n }, () => rng.normal());
      const sorted = xs.slice().sort((a, b) => a - b);
      const outliers = sorted.map((x, i) => (i < Math.floor(n / 4) ? x - 1e6 : i >= n - Math.floor(n / 4) ? x + 1e6 : x));
      expect(interquartileMean(outliers)).toBeCloseTo(interquartileMean(xs), 9);
      const symmetric = [...xs, ...xs.map((x) => -x)];
      expect(interquartileMean(symmetric)).toBeCloseTo(0, 12);
    }
  });
});

describe('bootstrapCI', () => {
  it('is reproducible from its seed and changes with it', () => {
    const xs = Array.from({ length: 17 }, (_, i) => Math.sin(i) * 3);
    const a = bootstrapCI(xs, mean, { resamples: 500, seed: 3 });
    const b = bootstrapCI(xs, mean, { resamples: 500, seed: 3 });
    const c = bootstrapCI(xs, mean, { resamples: 500, seed: 4 });
    expect(b).toEqual(a);
    expect(c.low === a.low && c.high === a.high).toBe(false);
    expect(a.estimate).toBe(mean(xs));
    expect(a.low).toBeLessThan(a.estimate);
    expect(a.high).toBeGreaterThan(a.estimate);
  });

  it('takes the percentiles of the resampled statistic', () => {
    // Two values {0, 1}: the resampled mean is 0, ½ or 1 with probability ¼, ½, ¼.
    const wide = bootstrapCI([0, 1], mean, { resamples: 4000, confidence: 0.9 });
    expect([wide.low, wide.high]).toEqual([0, 1]);
    const narrow = bootstrapCI([0, 1], mean, { resamples: 4000, confidence: 0.4 });
    expect([narrow.low, narrow.high]).toEqual([0.5, 0.5]);
    const constant = bootstrapCI([2, 2, 2], interquartileMean, { resamples: 50 });
    expect(constant).toEqual({ estimate: 2, low: 2, high: 2 });
  });

  it('approaches the normal-theory interval for the mean of a large sample', () => {
    const rng = new Rng(11);
    const xs = Array.from({ length: 400 }, () => 5 + 2 * rng.normal());
    const halfWidth = (1.959964 * std(xs)) / Math.sqrt(xs.length);
    const ci = bootstrapCI(xs, mean, { resamples: 2000, seed: 1 });
    expect(Math.abs(ci.high - ci.low - 2 * halfWidth) / (2 * halfWidth)).toBeLessThan(0.1);
    expect(Math.abs((ci.low + ci.high) / 2 - mean(xs))).toBeLessThan(0.1 * halfWidth);
  });

  it('summarises seeds by IQM and refuses bad options', () => {
    const ci = iqmWithCI([0.2, 0.4, 0.35, 0.9, 0.3], { resamples: 300 });
    expect(ci.estimate).toBeCloseTo(interquartileMean([0.2, 0.4, 0.35, 0.9, 0.3]), 15);
    expect(ci.low).toBeLessThanOrEqual(ci.estimate);
    expect(ci.high).toBeGreaterThanOrEqual(ci.estimate);
    expect(() => bootstrapCI([1], mean, { confidence: 1 })).toThrow(/confidence/);
    expect(() => bootstrapCI([1], mean, { resamples: 0 })).toThrow(/resamples/);
    expect(() => bootstrapCI([], mean)).toThrow(/at least 1/);
  });
});
