// Countdown: reach the target with + − * / and parentheses, using each given
// number exactly once. Values are exact rationals (as Reasoning Gym evaluates
// them): intermediate fractions are allowed, only the final value must equal
// the integer target. A division by zero leaves the expression without a
// value, which counts as a wrong value.

import type { Rng } from '../util/rng';
import { CharTokenizer } from './tokenizer';
import {
  enumerateExpressions,
  evaluate,
  formOf,
  literals,
  parseExpr,
  randomExpr,
  renderExpr,
  renderShuffled,
  type Expr,
  type Solution,
} from './countdown-expr';
import { demonstrationRng, drawInSplit, readCompletion, splitOfKey } from './split';
import type { Split, TaskSpec } from './types';

export type CountdownConfig = {
  count: number;
  maxNumber: number;
  minTarget: number;
  maxTarget: number;
  minSolutions: number;
  partialReward: number;
};

export interface CountdownProblem {
  numbers: number[];
  target: number;
  /** Reward for a well-formed wrong expression; carried here because score() sees only the problem. */
  partialReward: number;
}

const digitsOf = (n: number) => String(n).length;

/**
 * Every canonical expression over a number multiset whose value is an integer
 * in [lo, hi]; memoised because generation, solutions() and demonstrations
 * all ask for the same prompts again.
 */
const expressionCache = new Map<string, Map<string, Solution>>();
const CACHE_LIMIT = 512;

function expressionsOver(numbers: readonly number[], lo: number, hi: number): Map<string, Solution> {
  const key = `${[...numbers].sort((a, b) => a - b).join(' ')}|${lo}|${hi}`;
  let found = expressionCache.get(key);
  if (found === undefined) {
    found = enumerateExpressions(numbers, (v) => v.d === 1 && v.n >= lo && v.n <= hi);
    if (expressionCache.size >= CACHE_LIMIT) expressionCache.delete(expressionCache.keys().next().value!);
    expressionCache.set(key, found);
  }
  return found;
}

/** Canonical strings of all solutions, sorted. */
export function countdownSolutions(p: CountdownProblem): string[] {
  return [...expressionsOver(p.numbers, p.target, p.target).keys()].sort();
}

function sameMultiset(a: number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  const x = [...a].sort((u, v) => u - v);
  const y = [...b].sort((u, v) => u - v);
  return x.every((v, i) => v === y[i]);
}

type Verdict = { kind: 'garbage' } | { kind: 'wrong'; expr: Expr } | { kind: 'correct'; expr: Expr };

function judge(p: CountdownProblem, completion: string): Verdict {
  const text = readCompletion(completion);
  const expr = text === null ? null : parseExpr(text);
  if (expr === null || !sameMultiset(literals(expr), p.numbers)) return { kind: 'garbage' };
  const value = evaluate(expr);
  return value !== null && value.d === 1 && value.n === p.target ? { kind: 'correct', expr } : { kind: 'wrong', expr };
}

function drawProblem(cfg: CountdownConfig, split: Split, rng: Rng): CountdownProblem | null {
  const numbers = Array.from({ length: cfg.count }, () => rng.range(1, cfg.maxNumber));
  const countByTarget = new Map<number, number>();
  for (const { value } of expressionsOver(numbers, cfg.minTarget, cfg.maxTarget).values()) {
    countByTarget.set(value.n, (countByTarget.get(value.n) ?? 0) + 1);
  }
  // Only targets whose prompt lies in the split: the costly enumeration is then never wasted on a split miss.
  const targets = [...countByTarget]
    .filter(([target, c]) => c >= cfg.minSolutions && splitOfKey(countdownKey({ numbers, target })) === split)
    .map(([target]) => target)
    .sort((a, b) => a - b);
  return targets.length === 0 ? null : { numbers, target: rng.pick(targets), partialReward: cfg.partialReward };
}

export const countdown: TaskSpec<CountdownConfig, CountdownProblem> = {
  name: 'countdown',
  title: 'Countdown',
  description: 'Combine the numbers with + − * / and parentheses, each exactly once, to hit the target.',
  defaults: { count: 4, maxNumber: 20, minTarget: 10, maxTarget: 99, minSolutions: 3, partialReward: 0.1 },
  knobs: [
    { key: 'count', label: 'Numbers', min: 2, max: 5, help: 'How many numbers the prompt gives' },
    { key: 'maxNumber', label: 'Largest number', min: 2, max: 99, help: 'Numbers are drawn uniformly from 1 to this' },
    { key: 'minTarget', label: 'Smallest target', min: 1, max: 999, help: 'Targets below this are never asked' },
    { key: 'maxTarget', label: 'Largest target', min: 1, max: 999, help: 'Targets above this are never asked' },
    { key: 'minSolutions', label: 'At least solutions', min: 1, max: 50, help: 'Reject prompts with fewer distinct (canonical) solutions' },
    { key: 'partialReward', label: 'Partial reward', min: 0, max: 0.5, step: 0.05, help: 'Reward for a well-formed expression over exactly the numbers with the wrong value' },
  ],
  check(cfg) {
    if (cfg.minTarget > cfg.maxTarget) return 'The smallest target exceeds the largest';
    return null;
  },
  tokenizer: () => new CharTokenizer('0123456789+-*/() >:'),
  answerAlphabet: () => '0123456789+-*/()',
  maxPromptChars: (cfg) => cfg.count * digitsOf(cfg.maxNumber) + (cfg.count - 1) + 1 + digitsOf(cfg.maxTarget) + 1,
  // n numbers, n−1 operators and at most n−2 parenthesis pairs (the root is never wrapped).
  maxCompletionChars: (cfg) => cfg.count * digitsOf(cfg.maxNumber) + (cfg.count - 1) + 2 * Math.max(0, cfg.count - 2),

  generate(cfg, split, seed, index) {
    const problem = countdown.check(cfg);
    if (problem !== null) throw new Error(`countdown: ${problem}`);
    return drawInSplit('countdown', split, seed, index, (rng) => drawProblem(cfg, split, rng), countdownKey);
  },
  promptText: (p) => `${p.numbers.join(' ')}>${p.target}:`,

  score(p, completion) {
    const v = judge(p, completion);
    return v.kind === 'correct' ? 1 : v.kind === 'wrong' ? clamp01(p.partialReward) : 0;
  },
  isCorrect: (p, completion) => judge(p, completion).kind === 'correct',
  answer(_p, completion) {
    const text = readCompletion(completion);
    const expr = text === null ? null : parseExpr(text);
    return expr === null ? null : formOf(expr).canon;
  },
  canonical(p, completion) {
    const v = judge(p, completion);
    return v.kind === 'correct' ? formOf(v.expr).canon : null;
  },
  solutions: countdownSolutions,

  demonstration(_cfg, p, seed, index, correctRate) {
    const rng = demonstrationRng('countdown', seed, index);
    const all = [...expressionsOver(p.numbers, p.target, p.target).values()];
    const wantCorrect = rng.float() < correctRate;
    if (wantCorrect && all.length > 0) return renderShuffled(rng.pick(all).form, rng);
    for (let tries = 0; tries < 64; tries++) {
      const text = renderExpr(randomExpr(p.numbers, rng));
      if (judge(p, text).kind === 'wrong') return text;
    }
    // Every random attempt hit the target: a correct expression is the only well-formed option left.
    return renderExpr(randomExpr(p.numbers, rng));
  },
};

/** The prompt's identity for the train/eval split: the number multiset and the target. */
export function countdownKey(p: Pick<CountdownProblem, 'numbers' | 'target'>): string {
  return `${[...p.numbers].sort((a, b) => a - b).join(' ')}>${p.target}`;
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
