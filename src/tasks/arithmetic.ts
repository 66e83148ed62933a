// Arithmetic: evaluate a random integer expression (as Reasoning Gym's
// RandomCalculation does) and answer its value. Exactly one answer per prompt,
// the low-diversity contrast to countdown and paths. Values use BigInt so that
// no knob setting can lose precision.

import type { Rng } from '../util/rng';
import { CharTokenizer } from './tokenizer';
import { demonstrationRng, drawInSplit, readCompletion } from './split';
import type { TaskSpec } from './types';

export type ArithmeticConfig = { terms: number; digits: number; multiply: number };

export interface ArithmeticProblem {
  /** The expression, e.g. "12*34-56". */
  expression: string;
  /** Its value as a decimal string (BigInt does not survive structured cloning everywhere). */
  value: string;
  /** Largest |value| any prompt of this config can have, as a decimal string: keeps wrong demonstrations within the length bound. */
  bound: string;
}

/** Value with the usual precedence: * binds tighter than + and −. */
export function evaluateArithmetic(expression: string): bigint {
  let total = 0n;
  for (const signed of expression.match(/[+-]?[^+-]+/g) ?? []) {
    const sign = signed[0] === '-' ? -1n : 1n;
    const factors = signed.replace(/^[+-]/, '').split('*');
    total += sign * factors.reduce((acc, f) => acc * BigInt(f), 1n);
  }
  return total;
}

function largestMagnitude(cfg: ArithmeticConfig): bigint {
  const top = 10n ** BigInt(cfg.digits) - 1n;
  return cfg.multiply ? top ** BigInt(cfg.terms) : top * BigInt(cfg.terms);
}

function drawProblem(cfg: ArithmeticConfig, rng: Rng): ArithmeticProblem {
  const ops = cfg.multiply ? ['+', '-', '*'] : ['+', '-'];
  let expression = String(rng.range(1, 10 ** cfg.digits - 1));
  for (let i = 1; i < cfg.terms; i++) expression += rng.pick(ops) + String(rng.range(1, 10 ** cfg.digits - 1));
  return { expression, value: evaluateArithmetic(expression).toString(), bound: largestMagnitude(cfg).toString() };
}

/** The integer a completion states, normalised ("-0" and "007" read as "0" and "7"); null when it is not one. */
function parseInteger(completion: string): string | null {
  const text = readCompletion(completion, 64);
  return text !== null && /^-?[0-9]+$/.test(text) ? BigInt(text).toString() : null;
}

/** A plausible mistake: off by a little, precedence ignored, or one digit changed. */
function wrongAnswer(p: ArithmeticProblem, rng: Rng): string {
  const value = BigInt(p.value);
  const bound = BigInt(p.bound);
  for (let tries = 0; tries < 32; tries++) {
    let guess: bigint;
    const kind = rng.int(3);
    if (kind === 0) guess = leftToRight(p.expression);
    else if (kind === 1) {
      const digits = p.value.replace('-', '');
      const at = rng.int(digits.length);
      const changed = digits.slice(0, at) + String(rng.int(10)) + digits.slice(at + 1);
      guess = (value < 0n ? -1n : 1n) * BigInt(changed);
    } else guess = value + BigInt(rng.pick([-1, 1]) * rng.range(1, 10));
    if (guess !== value && guess <= bound && -guess <= bound) return guess.toString();
  }
  return (value === bound ? value - 1n : value + 1n).toString();
}

function leftToRight(expression: string): bigint {
  const tokens = expression.match(/[0-9]+|[+\-*]/g)!;
  let acc = BigInt(tokens[0]);
  for (let i = 1; i < tokens.length; i += 2) {
    const x = BigInt(tokens[i + 1]);
    acc = tokens[i] === '+' ? acc + x : tokens[i] === '-' ? acc - x : acc * x;
  }
  return acc;
}

export const arithmetic: TaskSpec<ArithmeticConfig, ArithmeticProblem> = {
  name: 'arithmetic',
  title: 'Arithmetic',
  description: 'Evaluate an integer expression; one right answer per prompt.',
  defaults: { terms: 3, digits: 2, multiply: 1 },
  knobs: [
    { key: 'terms', label: 'Terms', min: 2, max: 6, help: 'Numbers in the expression' },
    { key: 'digits', label: 'Digits', min: 1, max: 3, help: 'Largest number of digits per number' },
    { key: 'multiply', label: 'Multiplication', min: 0, max: 1, help: '1: operators + − *; 0: + and − only' },
  ],
  check: () => null,
  tokenizer: () => new CharTokenizer('0123456789+-*='),
  answerAlphabet: () => '0123456789-',
  maxPromptChars: (cfg) => cfg.terms * cfg.digits + (cfg.terms - 1) + 1,
  maxCompletionChars: (cfg) => largestMagnitude(cfg).toString().length + 1,

  generate(cfg, split, seed, index) {
    return drawInSplit('arithmetic', split, seed, index, (rng) => drawProblem(cfg, rng), (p) => p.expression);
  },
  promptText: (p) => `${p.expression}=`,

  score: (p, completion) => (parseInteger(completion) === p.value ? 1 : 0),
  isCorrect: (p, completion) => parseInteger(completion) === p.value,
  answer: (_p, completion) => parseInteger(completion),
  canonical: (p, completion) => (parseInteger(completion) === p.value ? p.value : null),
  solutions: (p) => [p.value],

  demonstration(_cfg, p, seed, index, correctRate) {
    const rng = demonstrationRng('arithmetic', seed, index);
    return rng.float() < correctRate ? p.value : wrongAnswer(p, rng);
  },
};
