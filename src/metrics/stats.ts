// Summary statistics for reporting results across seeds. Sums run in a fixed
// order in float64, so every number here is reproducible bit for bit.
import { Rng } from '../util/rng';

function requireValues(fn: string, values: ArrayLike<number>, atLeast = 1): void {
  if (values.length < atLeast) throw new Error(`${fn}: needs at least ${atLeast} value${atLeast > 1 ? 's' : ''}, got ${values.length}`);
}

function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

export function mean(values: ArrayLike<number>): number {
  requireValues('mean', values);
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

/** Sample standard deviation with Bessel's correction (divides by n − 1). */
export function std(values: ArrayLike<number>): number {
  requireValues('std', values, 2);
  const m = mean(values);
  let sumSq = 0;
  for (let i = 0; i < values.length; i++) sumSq += (values[i] - m) ** 2;
  return Math.sqrt(sumSq / (values.length - 1));
}

/**
 * The q-quantile with linear interpolation between order statistics: position
 * h = (n − 1)·q in the sorted values (the default of R's type 7 and NumPy).
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  requireValues('quantile', values);
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile: q must lie in [0, 1], got ${q}`);
  return quantileSorted(sortedCopy(values), q);
}

function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  if (lo === sorted.length - 1) return sorted[lo];
  return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
}

export function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}

/**
 * Interquartile mean as rliable computes it (Agarwal et al. 2021), i.e.
 * scipy.stats.trim_mean(values, 0.25): sort, drop ⌊n/4⌋ values at each end,
 * and take the plain mean of the rest. So for n < 4 it is the mean of all
 * values, n = 5 averages the middle 3, n = 6 the middle 4 and n = 8 the
 * middle 4.
 */
export function interquartileMean(values: ArrayLike<number>): number {
  requireValues('interquartileMean', values);
  return iqmSorted(sortedCopy(values));
}

function iqmSorted(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  const cut = Math.floor(n / 4);
  let sum = 0;
  for (let i = cut; i < n - cut; i++) sum += sorted[i];
  return sum / (n - 2 * cut);
}

/** Below this many seeds a bootstrap interval over seeds says little: reports say so beside it. */
export const MIN_SEEDS_FOR_INTERVAL = 5;

export interface BootstrapOptions {
  /** Number of resamples; the interval's own noise shrinks like 1/√resamples. */
  resamples?: number;
  /** Central coverage of the interval, e.g. 0.95. */
  confidence?: number;
  seed?: number;
}

export interface ConfidenceInterval {
  /** The statistic on the original values. */
  estimate: number;
  low: number;
  high: number;
}

/**
 * Percentile bootstrap: resample the values with replacement, apply the
 * statistic, and take the (1 − confidence)/2 and (1 + confidence)/2 quantiles
 * of the results. Resample r draws its indices from RNG stream r of the seed,
 * so the interval depends only on (values, statistic, options). The statistic
 * is handed one reused buffer per resample: it may reorder it but must not
 * keep it.
 */
export function bootstrapCI(
  values: ArrayLike<number>,
  statistic: (sample: Float64Array) => number,
  { resamples = 10_000, confidence = 0.95, seed = 0 }: BootstrapOptions = {},
): ConfidenceInterval {
  requireValues('bootstrapCI', values);
  if (!Number.isInteger(resamples) || resamples < 1) throw new Error(`bootstrapCI: resamples must be a positive integer, got ${resamples}`);
  if (!(confidence > 0 && confidence < 1)) throw new Error(`bootstrapCI: confidence must lie in (0, 1), got ${confidence}`);
  const n = values.length;
  const sample = new Float64Array(n);
  const stats = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    const rng = new Rng(seed, r);
    for (let i = 0; i < n; i++) sample[i] = values[rng.int(n)];
    stats[r] = statistic(sample);
  }
  stats.sort();
  const tail = (1 - confidence) / 2;
  return {
    estimate: statistic(Float64Array.from(values)),
    low: quantileSorted(stats, tail),
    high: quantileSorted(stats, 1 - tail),
  };
}

/** The interquartile mean with its bootstrap interval, the summary reported across seeds. */
export function iqmWithCI(values: ArrayLike<number>, options?: BootstrapOptions): ConfidenceInterval {
  return bootstrapCI(values, interquartileMean, options);
}
