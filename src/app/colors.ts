// One colour per algorithm, used by every chart, the run list and the inspector.
// The palette is src/metrics/palette.ts, shared with the reports, so a curve has
// the same colour in the lab and in a written report.

import { ALGORITHM_COLORS as PALETTE } from '../metrics/palette';
import type { Algorithm } from '../rl/config';

export const ALGORITHM_COLORS: Record<Algorithm, string> = {
  grpo: PALETTE.grpo,
  rover: PALETTE.rover,
  d3s: PALETTE.d3s,
};

export const ALGORITHM_LABELS: Record<Algorithm, string> = {
  grpo: 'GRPO',
  rover: 'ROVER',
  d3s: 'D³S',
};

export const BASE_COLOR: string = PALETTE.base;

/** Runs of the same algorithm share a colour; the n-th of them gets a different dash so they stay apart. */
export function dashFor(indexWithinAlgorithm: number): string | undefined {
  const dashes = [undefined, '6 3', '2 3', '10 3 2 3'];
  return dashes[indexWithinAlgorithm % dashes.length];
}

/**
 * Diverging colour for a value in [-1, 1]: blue for negative, red for positive,
 * white at zero. Used by the inspector for advantages and ROVER's Q.
 */
export function divergingColor(t: number): string {
  const x = Math.max(-1, Math.min(1, Number.isFinite(t) ? t : 0));
  const toward = x < 0 ? [37, 99, 235] : [220, 38, 38];
  const a = Math.abs(x) * 0.75;
  const mix = (c: number) => Math.round(255 + (c - 255) * a);
  return `rgb(${mix(toward[0])}, ${mix(toward[1])}, ${mix(toward[2])})`;
}

/** Sequential colour for a value in [0, 1] (entropy): white to purple. */
export function sequentialColor(t: number): string {
  const x = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0)) * 0.8;
  const mix = (c: number) => Math.round(255 + (c - 255) * x);
  return `rgb(${mix(124)}, ${mix(58)}, ${mix(237)})`;
}

/** The run's algorithm, typed (settings hold enum values as plain strings). */
export function algorithmOf(config: { algo: string }): Algorithm {
  return config.algo in ALGORITHM_COLORS ? (config.algo as Algorithm) : 'grpo';
}
