// Train/eval disjointness and seeded drawing, shared by every task. A prompt's
// split is a property of the prompt itself: its canonical key is hashed and a
// fixed residue class belongs to eval. Generators draw candidates until one
// falls in the requested split, so the two splits never share a prompt no
// matter which seeds or indices are used.

import { deriveSeed, pcgHash, Rng } from '../util/rng';
import type { Split } from './types';

/** One prompt key in EVAL_MODULUS belongs to eval. */
export const EVAL_MODULUS = 8;

/** Attempts before a generator gives up: the knobs then admit (almost) no prompt. */
const MAX_ATTEMPTS = 4_000;

/** FNV-1a over UTF-16 code units, finished with the PCG output hash. */
export function hashKey(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619) >>> 0;
  return pcgHash(h);
}

export function splitOfKey(key: string): Split {
  return hashKey(key) % EVAL_MODULUS === 0 ? 'eval' : 'train';
}

/**
 * The index-th prompt of a split: candidate draws, each from its own counter
 * stream, until one is admissible (draw returns non-null) and its key lies in
 * the split. `split: null` skips the split test (tasks whose eval is train).
 */
export function drawInSplit<P>(
  task: string,
  split: Split | null,
  seed: number,
  index: number,
  draw: (rng: Rng) => P | null,
  key: (p: P) => string,
): P {
  const base = deriveSeed(deriveSeed(seed, `${task}:${split ?? 'all'}`), index);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const p = draw(new Rng(base, attempt));
    if (p !== null && (split === null || splitOfKey(key(p)) === split)) return p;
  }
  throw new Error(`${task}: no prompt satisfies these settings after ${MAX_ATTEMPTS} draws; relax the constraints`);
}

/** The random stream of one demonstration, independent of prompt generation. */
export function demonstrationRng(task: string, seed: number, index: number): Rng {
  return new Rng(deriveSeed(deriveSeed(seed, `${task}:demo`), index));
}

/**
 * A completion as the verifiers read it: surrounding whitespace dropped; null
 * when it is too long to be anything but garbage (keeps verifiers cheap).
 */
export function readCompletion(completion: unknown, maxChars = 256): string | null {
  if (typeof completion !== 'string' || completion.length > maxChars * 4) return null;
  const text = completion.trim();
  return text.length > maxChars ? null : text;
}
