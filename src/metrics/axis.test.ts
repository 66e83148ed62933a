import { describe, expect, it } from 'vitest';
import { linearTicks, log2Ticks, niceDomain, tickLabels, yAxis } from './axis';

describe('ticks and domains', () => {
  it('chooses round ticks and domains', () => {
    expect(linearTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearTicks(-3, 7)).toEqual([-2, 0, 2, 4, 6]);
    expect(niceDomain(0.13, 0.87)).toEqual([0.1, 0.9]);
    expect(niceDomain(3, 3)).toEqual([1.5, 4.5]);
    expect(niceDomain(0, 0)).toEqual([-1, 1]);
    expect(log2Ticks(1, 64)).toEqual([1, 2, 4, 8, 16, 32, 64]);
    expect(log2Ticks(1, 2 ** 20)).toEqual([1, 8, 64, 512, 4096, 32768, 262144]);
  });

  it('keeps a fixed domain, and never dips below 0 for data that does not', () => {
    expect(yAxis(0.01, 0.03, [0, 1])).toEqual({ domain: [0, 1], ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
    expect(yAxis(0, 0).domain).toEqual([0, 1]);
    expect(yAxis(0.2, 0.2).domain[0]).toBeGreaterThanOrEqual(0);
    expect(yAxis(-0.5, 0.5).domain).toEqual([-0.6, 0.6]);
    const entropy = yAxis(3.0905, 3.0912);
    expect(entropy.domain[0]).toBeLessThanOrEqual(3.0905);
    expect(entropy.domain[1]).toBeGreaterThanOrEqual(3.0912);
    expect(entropy.ticks.length).toBeGreaterThanOrEqual(3);
  });
});

describe('tick labels', () => {
  it('use as few digits as the spacing needs', () => {
    expect(tickLabels([0, 0.2, 0.4, 0.6, 0.8, 1])).toEqual(['0', '0.2', '0.4', '0.6', '0.8', '1.0']);
    expect(tickLabels([0, 2.5, 5, 7.5])).toEqual(['0', '2.5', '5.0', '7.5']);
    expect(tickLabels([0.30000000000000004])).toEqual(['0.3']);
    expect(tickLabels([1, 8, 64, 512, 4096])).toEqual(['1', '8', '64', '512', '4096']);
    expect(tickLabels([1048576])).toEqual(['1.05e6']);
    expect(tickLabels([1.2e-4, 1.4e-4, 1.6e-4])).toEqual(['1.2e-4', '1.4e-4', '1.6e-4']);
  });

  it('never repeat, on the entropy axis that once read "3.09 3.09 3.09" and on random domains', () => {
    const entropy = tickLabels(yAxis(3.0905, 3.0912).ticks);
    expect(new Set(entropy).size).toBe(entropy.length);
    expect(entropy.every((l) => l.startsWith('3.09'))).toBe(true);
    let seed = 1;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let i = 0; i < 2000; i++) {
      const centre = (rand() - 0.5) * 10 ** (rand() * 12 - 6);
      const width = Math.abs(centre) * 10 ** (-rand() * 6) + 1e-12;
      const { ticks } = yAxis(centre, centre + width);
      const labels = tickLabels(ticks);
      expect(new Set(labels).size, `${ticks.join(' ')} → ${labels.join(' ')}`).toBe(labels.length);
      labels.forEach((l, j) => expect(Math.abs(Number(l) - ticks[j])).toBeLessThanOrEqual(Math.abs(ticks[1] - ticks[0]) * 0.01 + 1e-300));
    }
  });
});
