import { describe, expect, it } from 'vitest';
import { planMinibatches } from './update';

describe('planMinibatches', () => {
  const lengths = [5, 9, 3, 7, 4, 8, 6, 2, 10, 1];
  const len = (r: number) => lengths[r];

  it('splits rows ⌊m·S/M⌋ … like the masked loop, each minibatch cut to its longest row', () => {
    const plans = planMinibatches(10, 4, len, null);
    expect(plans.map((p) => p.rows)).toEqual([[0, 1], [2, 3, 4], [5, 6], [7, 8, 9]]);
    expect(plans.map((p) => p.span)).toEqual([2, 3, 2, 3]);
    expect(plans.map((p) => p.T)).toEqual([9, 7, 8, 10]);
  });

  it('keeps only selected rows, in their original minibatch, and leaves an emptied minibatch in place', () => {
    const keep = new Set([1, 3, 8]);
    const plans = planMinibatches(10, 4, len, (r) => keep.has(r));
    expect(plans.map((p) => p.rows)).toEqual([[1], [3], [], [8]]);
    expect(plans.map((p) => p.span)).toEqual([2, 3, 2, 3]);
    expect(plans.map((p) => p.T)).toEqual([9, 7, 1, 10]);
  });
});
