// The Python reward functions an export ships (src/tasks/python/*.py) score
// exactly as the TypeScript verifiers do: for every task, over ten thousand
// completions and more — solutions, demonstrations, their mutations, random
// strings over the task's alphabet and outside it, whitespace and length
// edge cases — scored by one python3 process and compared one by one.

import { describe, expect, it } from 'vitest';
import { runPython } from '../testing/python';
import { Rng } from '../util/rng';
import { getTask, resolveConfig, TASK_REGISTRY } from './registry';
import type { AnyTask, TaskConfig, TaskName } from './types';

const NAMES = Object.keys(TASK_REGISTRY) as TaskName[];
const PER_TASK = 10_000;
const SCORER = 'src/tasks/python/score_jsonl.py';

/** Per task: the defaults and a variant whose partial credit or bonus differs, so every scoring branch is reached. */
const CONFIGS: Record<TaskName, Partial<TaskConfig>[]> = {
  countdown: [{}, { count: 3, maxNumber: 12, minTarget: 1, partialReward: 0.25, minSolutions: 1 }, { count: 5, partialReward: 0.5 }],
  arithmetic: [{}, { terms: 5, digits: 3, multiply: 1 }, { terms: 2, digits: 1, multiply: 0 }],
  paths: [{}, { nodes: 6, edges: 12, shortestBonus: 0.15 }, { nodes: 4, edges: 6, minPaths: 1, shortestBonus: 0.5 }],
  tree: [{}, { k: 2, h: 8, winners: 20, trees: 12 }, { k: 8, h: 3, winners: 100, trees: 3 }],
  trees: [{}, { k: 4, h: 3, winners: 5, trees: 30 }],
};

/** Whitespace JavaScript's trim() strips, and look-alikes it keeps. */
const TRIMMED = ['\t', '\n', '\v', '\f', '\r', ' ', '\u00a0', '\u1680', '\u2003', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff'];
const KEPT = ['\u001c', '\u001f', '\u0085', '\u180e', '\u200b', '\u00ad'];
const FOREIGN = ['x', 'Z', '%', '.', '=', '٣', '５', 'é', 'ß', '€', '😀', '𝟕', '\u0000', ...KEPT];

interface Case {
  task: TaskName;
  problem: unknown;
  completion: string;
}

function mutate(text: string, alphabet: string[], rng: Rng): string {
  const chars = [...text];
  const at = chars.length === 0 ? 0 : rng.int(chars.length);
  switch (rng.int(7)) {
    case 0:
      chars.splice(at, 1);
      break;
    case 1:
      chars.splice(at, 0, rng.pick(alphabet));
      break;
    case 2:
      chars[at] = rng.pick(alphabet);
      break;
    case 3:
      if (chars.length > 1) [chars[at], chars[(at + 1) % chars.length]] = [chars[(at + 1) % chars.length], chars[at]];
      break;
    case 4:
      return rng.pick(TRIMMED) + text + rng.pick(TRIMMED).repeat(rng.range(1, 3));
    case 5:
      return rng.float() < 0.5 ? rng.pick(KEPT) + text : text + rng.pick(KEPT);
    default:
      chars.splice(at, 0, rng.pick(FOREIGN));
  }
  return chars.join('');
}

function randomString(alphabet: string[], maxLength: number, rng: Rng): string {
  return Array.from({ length: rng.int(maxLength + 1) }, () => rng.pick(alphabet)).join('');
}

/** Completions around one problem: right ones, near misses and noise. */
function casesFor(task: AnyTask, cfg: TaskConfig, problem: unknown, seed: number, rng: Rng, out: string[]): void {
  const alphabet = [...task.tokenizer(cfg).alphabet];
  const noisy = [...alphabet, ...FOREIGN, ...TRIMMED];
  const len = task.maxCompletionChars(cfg);
  const right = (task.solutions?.(problem) ?? []).slice(0, 12);
  const demos = Array.from({ length: 12 }, (_, i) => task.demonstration(cfg, problem, seed, i, i % 2 === 0 ? 1 : 0));
  for (const text of [...right, ...demos]) {
    out.push(text);
    for (let m = 0; m < 3; m++) out.push(mutate(text, alphabet, rng));
  }
  for (let i = 0; i < 8; i++) out.push(randomString(alphabet, len + 3, rng));
  for (let i = 0; i < 4; i++) out.push(randomString(noisy, len + 3, rng));
  const anyRight = right[0] ?? demos[0];
  // Lengths around the verifiers' limits (64 and 256 characters, four times that before trimming).
  out.push('', ' ', anyRight.padStart(64, ' '), anyRight.padEnd(300, ' '), ' '.repeat(1030) + anyRight, '0'.repeat(70), `-0${anyRight}`, `0${anyRight}`, '(', `(${anyRight})`, '😀'.repeat(40));
}

function buildCases(name: TaskName): Case[] {
  const task = getTask(name);
  const rng = new Rng(20261201, NAMES.indexOf(name));
  const cases: Case[] = [];
  let index = 0;
  while (cases.length < PER_TASK) {
    for (const overrides of CONFIGS[name]) {
      const cfg = resolveConfig(task, overrides);
      const split = index % 3 === 0 && !task.evalIsTrain ? 'eval' : 'train';
      const problem = task.generate(cfg, split, 5, index);
      const texts: string[] = [];
      casesFor(task, cfg, problem, 5, rng, texts);
      for (const completion of texts) cases.push({ task: name, problem, completion });
    }
    index++;
  }
  return cases;
}

describe('Python reward functions score as the TypeScript verifiers', () => {
  const cases = NAMES.flatMap(buildCases);
  // One python3 process for every task and case.
  const run = runPython([SCORER], cases.map((c) => JSON.stringify(c)).join('\n') + '\n');

  it('python3 ran the scorer', () => {
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  const lines = run.stdout.trim().split('\n');
  it.each(NAMES)('%s: equal reward and correctness on every completion', (name) => {
    const task = getTask(name);
    expect(lines.length).toBe(cases.length);
    const mismatches: string[] = [];
    let count = 0;
    let rewarded = 0;
    let partial = 0;
    cases.forEach((c, i) => {
      if (c.task !== name) return;
      count++;
      const py = JSON.parse(lines[i]) as { reward: number; correct: boolean };
      const reward = task.score(c.problem, c.completion);
      const correct = task.isCorrect(c.problem, c.completion);
      if (reward > 0) rewarded++;
      if (reward > 0 && reward < 1) partial++;
      if (py.reward !== reward || py.correct !== correct) {
        mismatches.push(`${JSON.stringify(c.completion)} on ${JSON.stringify(c.problem)}: TS ${reward}/${correct}, Python ${py.reward}/${py.correct}`);
      }
    });
    expect(count).toBeGreaterThanOrEqual(PER_TASK);
    // The inputs reach both sides of the verifier, and the partial-credit branch where the task has one.
    expect(rewarded).toBeGreaterThan(count / 20);
    expect(count - rewarded).toBeGreaterThan(count / 5);
    if (name === 'countdown' || name === 'paths') expect(partial).toBeGreaterThan(50);
    expect(mismatches.slice(0, 10)).toEqual([]);
  });
});
