// Paths: a small directed graph as an edge list ("ab" is the edge a→b), a
// start and a goal; answer with a simple path written as its node letters,
// start and goal included ("acd"). Any simple path is correct; with a
// shortest-path bonus b > 0 a correct but longer path earns 1 − b, so reward
// stays in [0, 1] and pass@k still counts every valid path.

import type { Rng } from '../util/rng';
import { CharTokenizer } from './tokenizer';
import { demonstrationRng, drawInSplit, readCompletion } from './split';
import type { TaskSpec } from './types';

export type PathsConfig = { nodes: number; edges: number; minPaths: number; shortestBonus: number };

export interface PathsProblem {
  nodes: number;
  /** Sorted two-letter edges, "ab" meaning a→b. */
  edges: string[];
  start: string;
  goal: string;
  /** What a valid but not shortest path gives up; carried here because score() sees only the problem. */
  shortestBonus: number;
}

const LETTERS = 'abcdefghijkl';

function successors(p: Pick<PathsProblem, 'edges'>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of p.edges) out.set(e[0], [...(out.get(e[0]) ?? []), e[1]]);
  for (const list of out.values()) list.sort();
  return out;
}

/** Every simple path from start to goal, in lexicographic order. */
export function simplePaths(p: Pick<PathsProblem, 'edges' | 'start' | 'goal'>): string[] {
  const next = successors(p);
  const found: string[] = [];
  const visit = (path: string) => {
    const at = path[path.length - 1];
    if (at === p.goal) return void found.push(path);
    for (const n of next.get(at) ?? []) if (!path.includes(n)) visit(path + n);
  };
  visit(p.start);
  return found;
}

function isSimplePath(p: PathsProblem, path: string): boolean {
  if (path.length < 2 || path[0] !== p.start || path[path.length - 1] !== p.goal) return false;
  if (new Set(path).size !== path.length) return false;
  const edges = new Set(p.edges);
  for (let i = 0; i + 1 < path.length; i++) if (!edges.has(path[i] + path[i + 1])) return false;
  return true;
}

/** Node letters the completion names, or null when it is not a plain string of letters. */
function readPath(completion: string): string | null {
  const text = readCompletion(completion, 64);
  return text !== null && /^[a-z]+$/.test(text) ? text : null;
}

function drawProblem(cfg: PathsConfig, rng: Rng): PathsProblem | null {
  const letters = LETTERS.slice(0, cfg.nodes);
  const pairs: string[] = [];
  for (const a of letters) for (const b of letters) if (a !== b) pairs.push(a + b);
  const edges = rng.shuffle(pairs).slice(0, cfg.edges).sort();
  const candidates: [string, string][] = [];
  for (const start of letters) {
    for (const goal of letters) {
      if (start !== goal && simplePaths({ edges, start, goal }).length >= cfg.minPaths) candidates.push([start, goal]);
    }
  }
  if (candidates.length === 0) return null;
  const [start, goal] = rng.pick(candidates);
  return { nodes: cfg.nodes, edges, start, goal, shortestBonus: cfg.shortestBonus };
}

/** A plausible mistake: a walk along edges from the start that jumps to the goal, or stops short of it. */
function wrongPath(p: PathsProblem, rng: Rng): string {
  const next = successors(p);
  for (let tries = 0; tries < 32; tries++) {
    let path = p.start;
    const steps = rng.range(0, p.nodes - 2);
    for (let i = 0; i < steps; i++) {
      const options = (next.get(path[path.length - 1]) ?? []).filter((n) => !path.includes(n) && n !== p.goal);
      if (options.length === 0) break;
      path += rng.pick(options);
    }
    if (rng.float() < 0.75) path += p.goal;
    if (path.length >= 2 && !isSimplePath(p, path)) return path;
  }
  return p.start + p.start + p.goal; // a repeated node: never valid
}

export const paths: TaskSpec<PathsConfig, PathsProblem> = {
  name: 'paths',
  title: 'Graph paths',
  description: 'Write a simple path from the start node to the goal in a small directed graph.',
  defaults: { nodes: 5, edges: 6, minPaths: 3, shortestBonus: 0 },
  knobs: [
    { key: 'nodes', label: 'Nodes', min: 3, max: LETTERS.length, help: 'Nodes are the first letters of the alphabet' },
    { key: 'edges', label: 'Edges', min: 2, max: 30, help: 'Directed edges drawn at random' },
    { key: 'minPaths', label: 'At least paths', min: 1, max: 20, help: 'Reject prompts with fewer simple paths from start to goal' },
    { key: 'shortestBonus', label: 'Shortest bonus', min: 0, max: 0.5, step: 0.05, help: 'A valid path that is not a shortest one earns 1 minus this' },
  ],
  check(cfg) {
    const possible = cfg.nodes * (cfg.nodes - 1);
    return cfg.edges > possible ? `${cfg.nodes} nodes allow at most ${possible} directed edges` : null;
  },
  tokenizer: (cfg) => new CharTokenizer(`${LETTERS.slice(0, cfg.nodes)} >:`),
  answerAlphabet: (cfg) => LETTERS.slice(0, cfg.nodes),
  maxPromptChars: (cfg) => 3 * cfg.edges + 4,
  maxCompletionChars: (cfg) => cfg.nodes,

  generate(cfg, split, seed, index) {
    const problem = paths.check(cfg);
    if (problem !== null) throw new Error(`paths: ${problem}`);
    return drawInSplit('paths', split, seed, index, (rng) => drawProblem(cfg, rng), pathsKey);
  },
  promptText: (p) => `${p.edges.join(' ')} ${p.start}>${p.goal}:`,

  score(p, completion) {
    const path = readPath(completion);
    if (path === null || !isSimplePath(p, path)) return 0;
    const shortest = Math.min(...simplePaths(p).map((s) => s.length));
    const bonus = Number.isFinite(p.shortestBonus) ? Math.min(1, Math.max(0, p.shortestBonus)) : 0;
    return path.length === shortest ? 1 : 1 - bonus;
  },
  isCorrect(p, completion) {
    const path = readPath(completion);
    return path !== null && isSimplePath(p, path);
  },
  answer: (_p, completion) => readPath(completion),
  canonical(p, completion) {
    const path = readPath(completion);
    return path !== null && isSimplePath(p, path) ? path : null;
  },
  solutions: simplePaths,

  demonstration(_cfg, p, seed, index, correctRate) {
    const rng = demonstrationRng('paths', seed, index);
    return rng.float() < correctRate ? rng.pick(simplePaths(p)) : wrongPath(p, rng);
  },
};

/** The prompt's identity for the train/eval split: the edge set and the query. */
export function pathsKey(p: PathsProblem): string {
  return `${p.edges.join(' ')} ${p.start}>${p.goal}`;
}
