// The softmax(Q^U/τ) policy lesson 4 shows beside the learned one.

import { describe, expect, it } from 'vitest';
import { buildTree, leafActions, leafIndex } from '../../tasks/tree';
import { greedyOnQUniform, softmaxQLeafMass } from './tree-probe';

const problem = buildTree({ k: 3, h: 4, winners: 5, trees: 1, layout: 3 }, 3, 0);

describe('softmaxQLeafMass', () => {
  it('gives every winning leaf positive mass, at most 1 in all, and matches a walk written out by hand', () => {
    const tau = 0.3;
    const mass = softmaxQLeafMass(problem, tau);
    expect(mass).toHaveLength(5);
    expect(mass.every((m) => m > 0)).toBe(true);
    expect(mass.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-12);
    // By hand for the first winner: at each depth, Q^U is the share of winners below each child.
    const win = new Set(problem.winning);
    const share = (prefix: number[]) => {
      const below = 3 ** (4 - prefix.length);
      const first = leafIndex(3, prefix) * below;
      let n = 0;
      for (let l = first; l < first + below; l++) n += win.has(l) ? 1 : 0;
      return n / below;
    };
    const actions = leafActions(3, 4, problem.winning[0]);
    let want = 1;
    for (let d = 0; d < 4; d++) {
      const q = [0, 1, 2].map((a) => share([...actions.slice(0, d), a]));
      const z = q.reduce((s, x) => s + Math.exp(x / tau), 0);
      want *= Math.exp(q[actions[d]] / tau) / z;
    }
    expect(mass[0]).toBeCloseTo(want, 12);
  });

  it('tends to uniform over the leaves as τ grows, and wholly onto winners (greedy on Q^U among them) as τ shrinks', () => {
    for (const m of softmaxQLeafMass(problem, 1e6)) expect(m).toBeCloseTo(1 / 81, 6);
    const greedy = leafIndex(3, greedyOnQUniform(problem).actions);
    const cold = softmaxQLeafMass(problem, 1e-3);
    // Greedy on Q^U is optimal: the cold policy puts all its mass on winning leaves (split where Q^U ties).
    expect(cold.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(cold[problem.winning.indexOf(greedy)]).toBeGreaterThan(0.1);
    expect(() => softmaxQLeafMass(problem, 0)).toThrow(/positive/);
  });
});
