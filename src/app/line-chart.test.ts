import { describe, expect, it } from 'vitest';
import { seriesPoints } from './LineChartSvg';
import { xAxisOf } from './MetricChart';

describe('line chart geometry', () => {
  it('takes each series in row order, skipping rows without a value', () => {
    const rows = [
      { step: 1, a: 0.5, b: null },
      { step: 2, a: null, b: 1 },
      { step: 3, a: 0.25, b: Number.NaN },
      { step: 4, a: 1, b: 2 },
    ];
    expect(seriesPoints(rows, 'step', 'a')).toEqual([[1, 0.5], [3, 0.25], [4, 1]]);
    expect(seriesPoints(rows, 'step', 'b')).toEqual([[2, 1], [4, 2]]);
    expect(seriesPoints(rows, 'step', 'missing')).toEqual([]);
  });

  it('puts step ticks on whole steps inside the data, and pass@1 on [0, 1]', () => {
    const steps = xAxisOf([1, 7, 13, 23].map((step) => ({ step })), 'step');
    expect(steps.domain).toEqual([1, 23]);
    expect(steps.ticks.every((t) => Number.isInteger(t) && t >= 1 && t <= 23)).toBe(true);
    expect(steps.ticks.length).toBeGreaterThanOrEqual(2);
    expect(xAxisOf([{ step: 5 }], 'step')).toEqual({ domain: [5, 6], ticks: [5, 6] });
    expect(xAxisOf([], 'pass1')).toEqual({ domain: [0, 1], ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
    expect(xAxisOf([{ k: 1 }, { k: 32 }], 'k', [1, 2, 4, 8, 16, 32])).toEqual({ domain: [1, 32], ticks: [1, 2, 4, 8, 16, 32] });
  });
});
