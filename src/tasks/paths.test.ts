import { describe, expect, it } from 'vitest';
import { paths, pathsKey, simplePaths, type PathsProblem } from './paths';

// a→b→d, a→c→d, a→d, b→c: paths a→d are ad, abd, acd, abcd.
const graph = (shortestBonus = 0): PathsProblem => ({ nodes: 4, edges: ['ab', 'ac', 'ad', 'bc', 'bd', 'cd'], start: 'a', goal: 'd', shortestBonus });

describe('paths verifier', () => {
  it.each([
    ['ad', 1],
    ['abd', 1],
    ['abcd', 1],
    [' acd\n', 1],
    ['a', 0],
    ['d', 0],
    ['acbd', 0], // c→b is not an edge
    ['abdd', 0],
    ['abad', 0], // a repeated node, and b→a is not an edge
    ['bcd', 0], // wrong start
    ['abc', 0], // wrong goal
    ['ABD', 0],
    ['a b d', 0],
    ['a>d', 0],
    ['', 0],
    ['abzd', 0],
  ])('%j scores %d', (completion, reward) => {
    const p = graph();
    expect(paths.score(p, completion)).toBe(reward);
    expect(paths.isCorrect(p, completion)).toBe(reward === 1);
    expect(paths.canonical(p, completion)).toBe(reward === 1 ? completion.trim() : null);
  });

  it('a valid path that is not a shortest one earns 1 − bonus', () => {
    const p = graph(0.25);
    expect(paths.score(p, 'ad')).toBe(1);
    expect(paths.score(p, 'abd')).toBe(0.75);
    expect(paths.score(p, 'abcd')).toBe(0.75);
    expect(paths.isCorrect(p, 'abcd')).toBe(true);
    expect(paths.score(p, 'acbd')).toBe(0);
  });

  it('answers are letter strings, valid or not', () => {
    expect(paths.answer(graph(), 'acbd')).toBe('acbd');
    expect(paths.answer(graph(), 'a-d')).toBeNull();
  });

  it('enumerates the simple paths', () => {
    expect(simplePaths(graph())).toEqual(['abcd', 'abd', 'acd', 'ad']);
    expect(simplePaths({ edges: ['ab', 'ba', 'bc'], start: 'a', goal: 'c' })).toEqual(['abc']);
    expect(simplePaths({ edges: ['ab', 'cd'], start: 'a', goal: 'd' })).toEqual([]);
  });
});

/** Every node sequence from start to goal without repeats, kept when each step is an edge. */
function bruteForcePaths(p: PathsProblem): Set<string> {
  const letters = 'abcdefghijkl'.slice(0, p.nodes);
  const edges = new Set(p.edges);
  const found = new Set<string>();
  const extend = (seq: string) => {
    if (seq.endsWith(p.goal)) {
      if ([...seq].every((c, i) => i === 0 || edges.has(seq[i - 1] + c))) found.add(seq);
      return;
    }
    for (const c of letters) if (!seq.includes(c)) extend(seq + c);
  };
  extend(p.start);
  return found;
}

describe('paths generator', () => {
  it('enumeration matches brute force, and every solution scores 1', () => {
    const cfg = { nodes: 6, edges: 12, minPaths: 3, shortestBonus: 0.2 };
    for (let i = 0; i < 25; i++) {
      const p = paths.generate(cfg, i % 3 ? 'train' : 'eval', 4, i);
      const all = paths.solutions!(p)!;
      expect(new Set(all)).toEqual(bruteForcePaths(p));
      expect(all.length).toBeGreaterThanOrEqual(3);
      const shortest = Math.min(...all.map((s) => s.length));
      for (const s of all) expect(paths.score(p, s)).toBe(s.length === shortest ? 1 : 0.8);
    }
  });

  it('draws distinct sorted edges over the first letters, and the prompt shows them', () => {
    const cfg = paths.defaults;
    for (let i = 0; i < 20; i++) {
      const p = paths.generate(cfg, 'train', 1, i);
      expect(p.edges).toHaveLength(cfg.edges);
      expect(new Set(p.edges).size).toBe(cfg.edges);
      expect([...p.edges].sort()).toEqual(p.edges);
      expect(p.edges.every((e) => e[0] !== e[1] && /^[a-e]{2}$/.test(e))).toBe(true);
      expect(paths.promptText(p)).toBe(`${pathsKey(p)}:`);
    }
  });

  it('rejects more edges than the graph has room for', () => {
    expect(paths.check({ ...paths.defaults, nodes: 3, edges: 7 })).not.toBeNull();
    expect(() => paths.generate({ ...paths.defaults, nodes: 3, edges: 7 }, 'train', 0, 0)).toThrow(/at most 6/);
  });
});
