// Tree: the toy MDP of the ROVER analysis. A deterministic tree with k actions
// per node and horizon h; an episode is h actions (one character each) and
// earns reward 1 iff it ends on one of the tree's winning leaves. The prompt
// only names the tree ("#0:"), so the policy must memorise it: the eval split
// is the training trees themselves.
//
// On a tree this small every value is exact. The uniform policy's Q-function,
//   Q^U(s,a) = r(s,a)                       if (s,a) ends the episode,
//   Q^U(s,a) = (1/k) Σ_a' Q^U(s·a, a')      otherwise,
// is the fraction of winning leaves below s·a; the optimal Q* is 1 iff any is.

import { deriveSeed, Rng } from '../util/rng';
import { CharTokenizer } from './tokenizer';
import { demonstrationRng, drawInSplit, readCompletion } from './split';
import type { TaskSpec } from './types';

export type TreeConfig = { k: number; h: number; winners: number; trees: number; layout: number };

export interface TreeProblem {
  k: number;
  h: number;
  id: number;
  /** Winning leaves as leaf indices (the action sequence read as a base-k number), sorted. */
  winning: number[];
}

export const MAX_LEAVES = 4096;
const ACTIONS = 'abcdefgh';

export const actionChars = (k: number) => ACTIONS.slice(0, k);

export function leafIndex(k: number, actions: readonly number[]): number {
  return actions.reduce((acc, a) => acc * k + a, 0);
}

export function leafActions(k: number, h: number, leaf: number): number[] {
  const out = new Array<number>(h);
  for (let i = h - 1; i >= 0; i--, leaf = Math.floor(leaf / k)) out[i] = leaf % k;
  return out;
}

const leafText = (k: number, h: number, leaf: number) => leafActions(k, h, leaf).map((a) => ACTIONS[a]).join('');

/** The winning leaves as action strings ("abca"), sorted. */
export function winningLeaves(p: TreeProblem): string[] {
  return p.winning.map((leaf) => leafText(p.k, p.h, leaf)).sort();
}

function checkPrefix(p: TreeProblem, prefix: readonly number[]): void {
  if (prefix.length >= p.h || prefix.some((a) => !Number.isInteger(a) || a < 0 || a >= p.k)) {
    throw new Error(`tree: prefix [${prefix.join(',')}] is not a decision node of a k=${p.k}, h=${p.h} tree`);
  }
}

/** V^U of the node reached by `actions`: its reward at the horizon, else the mean over children, by the recursion itself. */
function uniformValue(p: TreeProblem, win: Set<number>, actions: number[]): number {
  if (actions.length === p.h) return win.has(leafIndex(p.k, actions)) ? 1 : 0;
  let sum = 0;
  for (let a = 0; a < p.k; a++) sum += uniformValue(p, win, [...actions, a]);
  return sum / p.k;
}

/** Q^U(prefix, a) for every action a at the decision node `prefix` (0 ≤ prefix.length < h). */
export function qUniform(p: TreeProblem, prefix: readonly number[]): number[] {
  checkPrefix(p, prefix);
  const win = new Set(p.winning);
  return Array.from({ length: p.k }, (_, a) => uniformValue(p, win, [...prefix, a]));
}

/** Q*(prefix, a): 1 when some winning leaf lies below prefix·a, else 0. */
export function qOptimal(p: TreeProblem, prefix: readonly number[]): number[] {
  checkPrefix(p, prefix);
  const below = p.k ** (p.h - prefix.length - 1);
  return Array.from({ length: p.k }, (_, a) => {
    const first = leafIndex(p.k, [...prefix, a]) * below;
    return p.winning.some((leaf) => leaf >= first && leaf < first + below) ? 1 : 0;
  });
}

/** The tree named `id`: its winners depend only on (seed, id, k, h, winners), never on which index asked for it. */
export function buildTree(cfg: TreeConfig, seed: number, id: number): TreeProblem {
  const leaves = cfg.k ** cfg.h;
  const rng = new Rng(deriveSeed(seed, `tree:${cfg.k}:${cfg.h}:${cfg.winners}:${id}`));
  // Partial Fisher–Yates: the first `winners` entries are a uniform subset.
  const order = Array.from({ length: leaves }, (_, i) => i);
  for (let i = 0; i < cfg.winners; i++) {
    const j = i + rng.int(leaves - i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return { k: cfg.k, h: cfg.h, id, winning: order.slice(0, cfg.winners).sort((a, b) => a - b) };
}

function readLeaf(p: TreeProblem, completion: string): number | null {
  const text = readCompletion(completion, 64);
  if (text === null || [...text].length !== p.h) return null;
  const actions = [...text].map((c) => actionChars(p.k).indexOf(c));
  return actions.every((a) => a >= 0) ? leafIndex(p.k, actions) : null;
}

function isWinning(p: TreeProblem, completion: string): boolean {
  const leaf = readLeaf(p, completion);
  return leaf !== null && p.winning.includes(leaf);
}

export const tree: TaskSpec<TreeConfig, TreeProblem> = {
  name: 'tree',
  title: 'Toy tree MDP',
  description: 'Pick h actions in a k-ary tree; reward 1 on a few winning leaves, where Q-values are exact.',
  defaults: { k: 3, h: 5, winners: 6, trees: 1, layout: 1 },
  knobs: [
    { key: 'k', label: 'Actions (k)', min: 2, max: ACTIONS.length, help: 'Branching factor: actions per step' },
    { key: 'h', label: 'Horizon (h)', min: 1, max: 12, help: 'Actions per episode; k^h must stay at most 4096' },
    { key: 'winners', label: 'Winning leaves', min: 1, max: MAX_LEAVES, help: 'Leaves that earn reward 1' },
    { key: 'trees', label: 'Trees', min: 1, max: 100, help: 'Distinct trees; each prompt names one' },
    { key: 'layout', label: 'Layout', min: 0, max: 1_000_000, help: 'Which leaves win: part of the task, not of the run seed, so a base and every run from it see the same trees' },
  ],
  evalIsTrain: true,
  check(cfg) {
    const leaves = cfg.k ** cfg.h;
    if (leaves > MAX_LEAVES) return `k^h = ${leaves} leaves; at most ${MAX_LEAVES} keep the values exact and cheap`;
    if (cfg.winners > leaves) return `Only ${leaves} leaves for ${cfg.winners} winners`;
    return null;
  },
  tokenizer: (cfg) => new CharTokenizer(`#0123456789:${actionChars(cfg.k)}`),
  answerAlphabet: (cfg) => actionChars(cfg.k),
  fixedLength: true,
  maxPromptChars: (cfg) => String(cfg.trees - 1).length + 2,
  maxCompletionChars: (cfg) => cfg.h,

  generate(cfg, _split, seed, index) {
    const problem = tree.check(cfg);
    if (problem !== null) throw new Error(`tree: ${problem}`);
    // The run seed only picks which tree each prompt names; the trees themselves come from cfg.layout.
    return drawInSplit('tree', null, seed, index, (rng) => buildTree(cfg, cfg.layout, rng.int(cfg.trees)), (p) => String(p.id));
  },
  promptText: (p) => `#${p.id}:`,

  score: (p, completion) => (isWinning(p, completion) ? 1 : 0),
  isCorrect: isWinning,
  answer(p, completion) {
    const leaf = readLeaf(p, completion);
    return leaf === null ? null : leafText(p.k, p.h, leaf);
  },
  canonical: (p, completion) => (isWinning(p, completion) ? leafText(p.k, p.h, readLeaf(p, completion)!) : null),
  solutions: winningLeaves,

  demonstration(_cfg, p, seed, index, correctRate) {
    const rng = demonstrationRng('tree', seed, index);
    const leaves = p.k ** p.h;
    const wantWin = rng.float() < correctRate;
    if (wantWin || p.winning.length === leaves) return leafText(p.k, p.h, rng.pick(p.winning));
    // The losing leaves are the complement; draw one uniformly by rank.
    let rank = rng.int(leaves - p.winning.length);
    for (const w of p.winning) if (w <= rank) rank++;
    return leafText(p.k, p.h, rank);
  },
};

/**
 * Many trees: the tree task with 16 small trees (k = 3, h = 4) of 12 winning
 * leaves each, and the prompt naming the tree. One policy serves every tree,
 * so sharpening can lose whole trees while it gains on others: pass@k at large
 * k can then fall below the base, which a single tree cannot show. A
 * leaf-uniform base solves 12/81 ≈ 15 % of attempts and nearly every tree
 * within 64 samples.
 */
export const trees: TaskSpec<TreeConfig, TreeProblem> = {
  ...tree,
  name: 'trees',
  title: 'Many trees',
  description: 'Sixteen small trees, one policy: the prompt names the tree; reward 1 on a winning leaf of that tree.',
  defaults: { k: 3, h: 4, winners: 12, trees: 16, layout: 1 },
};

