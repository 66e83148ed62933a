// Properties every task must have, checked on all of them: config and knob
// consistency, verifiers that never throw, deterministic generation, disjoint
// splits, and demonstrations that are well-formed, fit and hit their rate.

import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng';
import { contextLength, getTask, resolveConfig, TASK_REGISTRY } from './registry';
import { splitOfKey } from './split';
import type { AnyTask, TaskConfig, TaskName } from './types';

const NAMES = Object.keys(TASK_REGISTRY) as TaskName[];

/** Configs with only a few hundred distinct prompts. */
const SMALL: Record<TaskName, TaskConfig> = {
  countdown: { count: 2, maxNumber: 9, minTarget: 1, maxTarget: 99, minSolutions: 1 },
  arithmetic: { terms: 2, digits: 1, multiply: 0 },
  paths: { nodes: 3, edges: 3, minPaths: 1 },
  tree: {},
  trees: {},
};

describe.each(NAMES)('%s', (name) => {
  const task: AnyTask = getTask(name);
  const cfg = task.defaults;

  it('knobs describe exactly the config, and the defaults are valid and short', () => {
    expect(task.name).toBe(name);
    expect(task.knobs.map((k) => k.key).sort()).toEqual(Object.keys(cfg).sort());
    for (const k of task.knobs) {
      expect(k.min).toBeLessThanOrEqual(cfg[k.key]);
      expect(cfg[k.key]).toBeLessThanOrEqual(k.max);
      expect(k.help.length).toBeGreaterThan(0);
    }
    expect(task.check(cfg)).toBeNull();
    expect(task.maxPromptChars(cfg)).toBeLessThanOrEqual(24);
    expect(task.maxCompletionChars(cfg)).toBeLessThanOrEqual(24);
    expect(contextLength(task, cfg)).toBeLessThanOrEqual(64);
  });

  it('generation is deterministic in (seed, index) and varies with them', () => {
    const a = Array.from({ length: 20 }, (_, i) => task.generate(cfg, 'train', 7, i));
    const b = Array.from({ length: 20 }, (_, i) => task.generate(cfg, 'train', 7, i));
    expect(b).toEqual(a);
    // A single default tree means every tree prompt is the same (the tree is part of the task config, not the seed); the others must vary.
    const prompts = new Set(a.map((p) => task.promptText(p)));
    if (name === 'tree') expect(task.generate({ ...cfg, layout: cfg.layout + 1 }, 'train', 7, 0)).not.toEqual(a[0]);
    else expect(prompts.size).toBeGreaterThan(10);
  });

  it('prompts fit the bounds and the tokenizer', () => {
    const tok = task.tokenizer(cfg);
    for (let i = 0; i < 200; i++) {
      const prompt = task.promptText(task.generate(cfg, i % 5 ? 'train' : 'eval', 1, i));
      expect(prompt.length).toBeLessThanOrEqual(task.maxPromptChars(cfg));
      expect(tok.decode(tok.encodePrompt(prompt))).toBe(prompt);
    }
  });

  it(task.evalIsTrain ? 'evaluates on its training prompts (each tree is memorised)' : 'train and eval prompts are disjoint, even where prompts repeat', () => {
    if (task.evalIsTrain) {
      for (let i = 0; i < 20; i++) expect(task.generate(cfg, 'eval', 3, i)).toEqual(task.generate(cfg, 'train', 3, i));
      return;
    }
    // A tiny prompt space, so that draws repeat and overlap would be certain without the split.
    const small = resolveConfig(task, SMALL[name]);
    const key = (p: unknown) => task.promptText(p);
    const train = new Set(Array.from({ length: 600 }, (_, i) => key(task.generate(small, 'train', 3, i))));
    const evals = Array.from({ length: 200 }, (_, i) => key(task.generate(small, 'eval', 3, i)));
    expect(evals.filter((k) => train.has(k))).toEqual([]);
    expect(new Set(evals).size).toBeLessThan(150);
    expect(new Set(evals).size).toBeGreaterThan(5);
    // At the defaults as well (a vast space, so this mostly checks nothing breaks).
    const trainDefault = new Set(Array.from({ length: 300 }, (_, i) => key(task.generate(cfg, 'train', 4, i))));
    for (let i = 0; i < 100; i++) expect(trainDefault.has(key(task.generate(cfg, 'eval', 4, i)))).toBe(false);
  });

  it('verifiers never throw and keep rewards in [0, 1] on garbage', () => {
    const p = task.generate(cfg, 'train', 0, 0);
    const rng = new Rng(99);
    const pieces = [...task.tokenizer(cfg).alphabet, '(', ')', '/0', '9'.repeat(30), 'é', '😀', '\u0000', '−', ' ', '\n', '1e308', 'NaN', '-'];
    const inputs = ['', ' ', '('.repeat(5000), ')'.repeat(50), '1/0', '0/0', '9'.repeat(400), 'x'.repeat(100_000), '\uD800'];
    for (let i = 0; i < 3000; i++) {
      const len = rng.int(i < 2000 ? 12 : 60);
      inputs.push(Array.from({ length: len }, () => rng.pick(pieces)).join(''));
    }
    // Near misses: demonstrations with one character dropped, duplicated or replaced.
    for (let i = 0; i < 500; i++) {
      const d = task.demonstration(cfg, p, 0, i, 0.5);
      const at = rng.int(d.length + 1);
      inputs.push(d.slice(0, at) + d.slice(at + 1), d.slice(0, at) + d[at] + d.slice(at), d.slice(0, at) + rng.pick(pieces) + d.slice(at + 1));
    }
    for (const s of inputs) {
      const r = task.score(p, s);
      expect(r >= 0 && r <= 1, `score(${JSON.stringify(s.slice(0, 40))}) = ${r}`).toBe(true);
      expect(typeof task.isCorrect(p, s)).toBe('boolean');
      expect(task.isCorrect(p, s)).toBe(task.canonical(p, s) !== null);
      task.answer(p, s);
    }
    // Non-strings from a misbehaving caller are garbage too.
    expect(task.score(p, undefined as unknown as string)).toBe(0);
  });

  it('every enumerated solution scores 1 and is its own canonical form', () => {
    for (let i = 0; i < 20; i++) {
      const p = task.generate(cfg, 'train', 5, i);
      const all = task.solutions?.(p) ?? [];
      expect(all.length).toBeGreaterThan(0);
      expect(new Set(all).size).toBe(all.length);
      for (const s of all) {
        expect(task.score(p, s)).toBe(1);
        expect(task.canonical(p, s)).toBe(s);
        expect(s.length).toBeLessThanOrEqual(task.maxCompletionChars(cfg));
        for (const ch of s) expect(task.answerAlphabet(cfg), `solution ${JSON.stringify(s)}`).toContain(ch);
      }
    }
  });

  it('the answer alphabet lies inside the tokenizer, and characters outside it never make a well-formed answer', () => {
    const tok = task.tokenizer(cfg);
    const answer = task.answerAlphabet(cfg);
    expect(answer.length).toBeGreaterThan(0);
    for (const ch of answer) expect(tok.alphabet).toContain(ch);
    const outside = [...tok.alphabet].filter((ch) => !answer.includes(ch) && ch.trim() !== '');
    const rng = new Rng(17, 1);
    for (let i = 0; i < 20; i++) {
      const p = task.generate(cfg, 'train', 3, i);
      for (const s of (task.solutions?.(p) ?? []).slice(0, 5)) {
        // A solution with one character swapped for a prompt-only one is no longer an answer.
        for (const ch of outside) {
          const at = rng.int(s.length);
          const broken = s.slice(0, at) + ch + s.slice(at + 1);
          expect(task.answer(p, broken), `${JSON.stringify(broken)} should not parse`).toBeNull();
        }
      }
    }
  });

  it.each([0, 0.3, 1])('demonstrations are well-formed, fit, and are correct at rate %f', (rate) => {
    const tok = task.tokenizer(cfg);
    let correct = 0;
    let total = 0;
    const distinct = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const p = task.generate(cfg, 'train', 2, i);
      for (let j = 0; j < 20; j++) {
        const d = task.demonstration(cfg, p, 4, i * 20 + j, rate);
        expect(d.length).toBeLessThanOrEqual(task.maxCompletionChars(cfg));
        expect(tok.decode(tok.encode(d))).toBe(d);
        expect(task.answer(p, d), `demonstration ${JSON.stringify(d)} is not well-formed`).not.toBeNull();
        // Decoding restricted to the answer alphabet can still write every demonstration.
        for (const ch of d) expect(task.answerAlphabet(cfg), `demonstration ${JSON.stringify(d)}`).toContain(ch);
        if (task.isCorrect(p, d)) {
          correct++;
          distinct.add(`${i}:${task.canonical(p, d)}`);
        }
        total++;
      }
      expect(task.demonstration(cfg, p, 4, i, rate)).toBe(task.demonstration(cfg, p, 4, i, rate));
    }
    expect(Math.abs(correct / total - rate)).toBeLessThan(0.05);
    // Correct demonstrations spread over the solutions rather than repeating one (arithmetic has one per prompt).
    if (rate === 1 && name !== 'arithmetic') expect(distinct.size).toBeGreaterThan(30 * 1.5);
  });
});

describe('registry', () => {
  it('resolveConfig overlays, clamps, snaps and drops unknown keys', () => {
    const cd = getTask('countdown');
    const cfg = resolveConfig(cd, { count: 9, maxNumber: 12.4, partialReward: 0.1234, bogus: 3, minTarget: NaN });
    expect(cfg).toEqual({ ...cd.defaults, count: 5, maxNumber: 12, partialReward: 0.1 });
    expect(resolveConfig(cd)).toEqual(cd.defaults);
  });

  it('the split helper sends about one key in eight to eval', () => {
    let evals = 0;
    for (let i = 0; i < 8000; i++) if (splitOfKey(`key ${i}`) === 'eval') evals++;
    expect(evals / 8000).toBeGreaterThan(0.1);
    expect(evals / 8000).toBeLessThan(0.15);
  });
});
