import { describe, expect, it } from 'vitest';
import { buildTree, leafActions, leafIndex, qOptimal, qUniform, tree, winningLeaves, type TreeProblem } from './tree';

/** E[r] under the uniform policy after taking `prefix` then `a`: every continuation enumerated with its probability k^-rest. */
function bruteForceQ(p: TreeProblem, prefix: number[], a: number): number {
  const rest = p.h - prefix.length - 1;
  const win = new Set(p.winning);
  let expectation = 0;
  for (let c = 0; c < p.k ** rest; c++) {
    const continuation = leafActions(p.k, rest, c);
    const reward = win.has(leafIndex(p.k, [...prefix, a, ...continuation])) ? 1 : 0;
    expectation += reward * p.k ** -rest;
  }
  return expectation;
}

const cfg = { k: 3, h: 4, winners: 5, trees: 1, layout: 1 };

describe('tree', () => {
  it('Q^U matches brute-force enumeration of uniform rollouts at every decision node', () => {
    const p = buildTree(cfg, 11, 0);
    let nodes = 0;
    for (let depth = 0; depth < p.h; depth++) {
      for (let n = 0; n < p.k ** depth; n++) {
        const prefix = leafActions(p.k, depth, n);
        const q = qUniform(p, prefix);
        q.forEach((v, a) => expect(v).toBeCloseTo(bruteForceQ(p, prefix, a), 12));
        nodes++;
      }
    }
    expect(nodes).toBe(1 + 3 + 9 + 27);
    // At the root, the mean of Q^U is the fraction of winning leaves.
    const root = qUniform(p, []);
    expect(root.reduce((s, v) => s + v, 0) / p.k).toBeCloseTo(5 / 81, 12);
  });

  it('Q* is 1 exactly where a winning leaf lies below, and greedy on Q^U always wins', () => {
    for (let id = 0; id < 10; id++) {
      const p = buildTree({ k: 2, h: 6, winners: 3, trees: 10, layout: 1 }, 1, id);
      const actions: number[] = [];
      while (actions.length < p.h) {
        const qu = qUniform(p, actions);
        const qs = qOptimal(p, actions);
        qs.forEach((v, a) => expect(v).toBe(bruteForceQ(p, actions, a) > 0 ? 1 : 0));
        actions.push(qu.indexOf(Math.max(...qu)));
      }
      expect(p.winning).toContain(leafIndex(p.k, actions));
    }
  });

  it('rejects prefixes that are not decision nodes', () => {
    const p = buildTree(cfg, 0, 0);
    expect(() => qUniform(p, [0, 0, 0, 0])).toThrow();
    expect(() => qOptimal(p, [3])).toThrow();
    expect(() => qUniform(p, [0.5])).toThrow();
  });

  it('verifies leaves', () => {
    const p: TreeProblem = { k: 3, h: 3, id: 0, winning: [leafIndex(3, [0, 1, 2]), leafIndex(3, [2, 2, 2])] };
    expect(winningLeaves(p)).toEqual(['abc', 'ccc']);
    for (const [completion, reward] of [['abc', 1], ['ccc', 1], [' abc ', 1], ['abb', 0], ['ab', 0], ['abcc', 0], ['abd', 0], ['ABC', 0], ['', 0]] as const) {
      expect(tree.score(p, completion)).toBe(reward);
      expect(tree.canonical(p, completion)).toBe(reward ? completion.trim() : null);
    }
    expect(tree.answer(p, 'bbb')).toBe('bbb');
    expect(tree.answer(p, 'bbd')).toBeNull();
    for (const s of tree.solutions!(p)!) expect(tree.score(p, s)).toBe(1);
  });

  it('a tree depends on (layout, id) only, never the run seed; prompts name trees in range', () => {
    const many = { ...cfg, trees: 4 };
    const ids = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const p = tree.generate(many, 'train', 3, i);
      expect(p.winning).toEqual(buildTree(many, many.layout, p.id).winning);
      expect(p.winning).toHaveLength(5);
      expect(tree.promptText(p)).toBe(`#${p.id}:`);
      ids.add(p.id);
    }
    expect([...ids].sort()).toEqual([0, 1, 2, 3]);
    expect(buildTree(cfg, 3, 0).winning).not.toEqual(buildTree(cfg, 4, 0).winning);
    // Two run seeds that name the same tree see the same winners.
    expect(tree.generate(cfg, 'train', 1, 0).winning).toEqual(tree.generate(cfg, 'train', 2, 0).winning);
  });

  it('refuses trees beyond 4096 leaves or with more winners than leaves', () => {
    expect(tree.check({ k: 4, h: 7, winners: 1, trees: 1, layout: 1 })).toMatch(/16384/);
    expect(tree.check({ k: 2, h: 3, winners: 9, trees: 1, layout: 1 })).not.toBeNull();
    expect(tree.check({ k: 2, h: 12, winners: 4096, trees: 1, layout: 1 })).toBeNull();
    expect(() => tree.generate({ k: 8, h: 12, winners: 1, trees: 1, layout: 1 }, 'train', 0, 0)).toThrow();
  });
});
