import { describe, expect, it } from 'vitest';
import { passAtK, passAtKCurve, powersOfTwoUpTo } from './passk';

/** Fraction of all k-subsets of `correct` that contain at least one true. */
function bruteForcePassAtK(correct: readonly boolean[], k: number): number {
  let hits = 0;
  let subsets = 0;
  const visit = (start: number, chosen: number, anyCorrect: boolean): void => {
    if (chosen === k) {
      subsets++;
      if (anyCorrect) hits++;
      return;
    }
    for (let i = start; i <= correct.length - (k - chosen); i++) visit(i + 1, chosen + 1, anyCorrect || correct[i]);
  };
  visit(0, 0, false);
  return hits / subsets;
}

describe('passAtK', () => {
  it('matches enumeration of every k-subset for all n ≤ 9', () => {
    for (let n = 1; n <= 9; n++) {
      for (let c = 0; c <= n; c++) {
        // Put the correct samples last: an estimator peeking at the first k would fail here.
        const correct = Array.from({ length: n }, (_, i) => i >= n - c);
        for (let k = 1; k <= n; k++) expect(passAtK(n, c, k)).toBeCloseTo(bruteForcePassAtK(correct, k), 12);
      }
    }
  });

  it('handles the edges exactly', () => {
    expect(passAtK(10, 0, 1)).toBe(0);
    expect(passAtK(10, 0, 10)).toBe(0);
    expect(passAtK(10, 10, 1)).toBe(1);
    expect(passAtK(10, 1, 10)).toBe(1);
    expect(passAtK(10, 3, 1)).toBeCloseTo(0.3, 15);
    // C(8,2)/C(10,2) = 28/45 of pairs avoid both correct samples.
    expect(passAtK(10, 2, 2)).toBeCloseTo(1 - 28 / 45, 15);
  });

  it('stays finite and exact-looking for large n where binomials overflow', () => {
    // C(1000, 500) overflows float64; the product form does not.
    const p = passAtK(1000, 1, 500);
    expect(p).toBeCloseTo(0.5, 12);
    expect(passAtK(2048, 7, 1)).toBeCloseTo(7 / 2048, 15);
  });

  it('refuses k > n, k < 1, c > n and non-integers', () => {
    expect(() => passAtK(4, 1, 5)).toThrow(/k = 5 exceeds n = 4/);
    expect(() => passAtK(4, 1, 0)).toThrow(/k must be ≥ 1/);
    expect(() => passAtK(4, 5, 1)).toThrow(/exceeds n/);
    expect(() => passAtK(4.5, 1, 1)).toThrow(/integer/);
    expect(() => passAtK(4, -1, 1)).toThrow(/integer/);
  });

  it('is non-decreasing in k and in c', () => {
    for (const n of [1, 3, 17, 33, 130]) {
      for (let c = 0; c <= n; c += Math.max(1, n >> 3)) {
        let prev = -1;
        for (let k = 1; k <= n; k++) {
          const p = passAtK(n, c, k);
          expect(p).toBeGreaterThanOrEqual(prev);
          if (c < n) expect(passAtK(n, c + 1, k)).toBeGreaterThanOrEqual(p);
          prev = p;
        }
      }
    }
  });
});

describe('passAtKCurve', () => {
  it('averages over prompts at powers of two up to the smallest n', () => {
    const prompts = [
      { n: 8, c: 0 },
      { n: 8, c: 8 },
      { n: 5, c: 1 },
    ];
    const curve = passAtKCurve(prompts);
    expect(curve.map((p) => p.k)).toEqual([1, 2, 4]);
    for (const { k, passAtK: value } of curve) {
      const expected = (0 + 1 + passAtK(5, 1, k)) / 3;
      expect(value).toBeCloseTo(expected, 15);
    }
    expect(curve[0].passAtK).toBeCloseTo((0 + 1 + 0.2) / 3, 15);
  });

  it('uses given ks and refuses one a prompt cannot support', () => {
    expect(passAtKCurve([{ n: 3, c: 1 }], [3])).toEqual([{ k: 3, passAtK: 1 }]);
    expect(() => passAtKCurve([{ n: 3, c: 1 }], [4])).toThrow(/exceeds n = 3/);
    expect(() => passAtKCurve([])).toThrow(/no prompts/);
  });

  it('lists powers of two', () => {
    expect(powersOfTwoUpTo(1)).toEqual([1]);
    expect(powersOfTwoUpTo(17)).toEqual([1, 2, 4, 8, 16]);
    expect(powersOfTwoUpTo(0)).toEqual([]);
  });
});
