// Axis arithmetic shared by the lab's charts and the reports' SVG plots: a
// domain widened to round numbers, ticks on it, and tick labels with just
// enough digits that no two read alike (an axis must never say "3.09 3.09").

/** A 1, 2 or 5 × 10ᵏ step giving about `target` intervals over the span. */
function niceStep(span: number, target: number): number {
  const raw = span / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalised = raw / magnitude;
  return (normalised < 1.5 ? 1 : normalised < 3 ? 2 : normalised < 7 ? 5 : 10) * magnitude;
}

/** The span widened to whole tick steps, so the axis starts and ends on a tick. */
export function niceDomain(min: number, max: number, target = 5): [number, number] {
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) / 2;
    return niceDomain(min - pad, max + pad, target);
  }
  const step = niceStep(max - min, target);
  const round = (v: number) => Number(v.toPrecision(12));
  return [round(Math.floor(min / step) * step), round(Math.ceil(max / step) * step)];
}

export function linearTicks(min: number, max: number, target = 5): number[] {
  const step = niceStep(max - min, target);
  const ticks: number[] = [];
  // Integer multiples of the step, rounded, keep 0.1 + 0.2-style noise out of the labels.
  for (let i = Math.ceil(min / step - 1e-9); i * step <= max + step * 1e-9; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

export function log2Ticks(min: number, max: number, maxTicks = 10): number[] {
  const first = Math.ceil(Math.log2(min) - 1e-9);
  const last = Math.floor(Math.log2(max) + 1e-9);
  const stride = Math.max(1, Math.ceil((last - first + 1) / maxTicks));
  const ticks: number[] = [];
  for (let e = first; e <= last; e += stride) ticks.push(2 ** e);
  return ticks;
}

/**
 * A y axis for finite data in [min, max]: `fixed` (e.g. [0, 1] for a rate)
 * wins; otherwise a nice domain around the data that does not dip below 0
 * when the data does not.
 */
export function yAxis(min: number, max: number, fixed?: readonly [number, number]): { domain: [number, number]; ticks: number[] } {
  let domain: [number, number];
  if (fixed) domain = [fixed[0], fixed[1]];
  else {
    domain = niceDomain(min, max);
    if (min >= 0 && domain[0] < 0) domain = niceDomain(0, domain[1]);
  }
  return { domain, ticks: linearTicks(domain[0], domain[1]) };
}

const usesExponent = (v: number) => v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3);

function formatAt(v: number, digits: number): string {
  if (v === 0) return '0';
  return usesExponent(v) ? v.toExponential(digits).replace('e+', 'e') : v.toFixed(digits);
}

/**
 * One label per tick, all with the same number of digits: the fewest at which
 * every label is within 1% of the tick spacing of its value and no two labels
 * are the same.
 */
export function tickLabels(ticks: readonly number[]): string[] {
  const gaps = ticks.slice(1).map((t, i) => Math.abs(t - ticks[i])).filter((g) => g > 0);
  const spacing = gaps.length > 0 ? Math.min(...gaps) : Math.abs(ticks[0] ?? 1) || 1;
  let labels: string[] = [];
  for (let digits = 0; digits <= 15; digits++) {
    labels = ticks.map((t) => formatAt(t, digits));
    const accurate = labels.every((l, i) => Math.abs(Number(l) - ticks[i]) <= spacing * 0.01);
    if (accurate && new Set(labels).size === labels.length) return labels;
  }
  return labels;
}
