// evaluate() against a brute-force count over the very samples it scored. A
// scripted sampler hands back chosen countdown completions (solutions,
// equivalent rewrites of them, wrong and malformed expressions); the test
// records what it returned and recounts pass@k by enumerating every k-subset
// of each prompt's samples, distinct correct solutions by canonical form and
// coverage against the task's own enumeration.

import { describe, expect, it } from 'vitest';
import type { SampleRequest, SampleResult } from '../model/sampler';
import { getTask, resolveConfig } from '../tasks/registry';
import { CharTokenizer, EOS, PAD } from '../tasks/tokenizer';
import { Rng } from '../util/rng';
import { evaluate } from './evaluate';
import { makeProblems, type Problem, type RolloutSampler } from './rollout';

const task = getTask('countdown');
const taskConfig = resolveConfig(task, {});
const tokenizer = task.tokenizer(taskConfig);
const chars = new CharTokenizer(tokenizer.alphabet);

/** What the scripted sampler may answer for a problem: solutions, the same solutions rewritten, wrong and malformed text. */
function candidates(p: Problem): string[] {
  const solutions = task.solutions?.(p.data as never) ?? [];
  return [
    ...solutions.slice(0, 3),
    ...solutions.slice(0, 2).map((s) => `(${s})`),
    '1+1', '((', '', '9999', solutions[0] ? `${solutions[0]}+1` : '2*2',
  ];
}

/** Returns scripted completions in the real sampler's layout and remembers them per prompt. */
class ScriptedSampler implements RolloutSampler {
  readonly seen = new Map<string, string[]>();
  private calls = 0;
  constructor(
    readonly maxRows: number,
    private readonly byPrompt: Map<string, Problem>,
    private readonly correctBias: number,
  ) {}

  async sample(req: SampleRequest): Promise<SampleResult> {
    const rng = new Rng(req.seed + this.calls++, 5);
    const G = req.groupSize, R = req.prompts.length * G;
    const texts: string[] = [];
    for (const ids of req.prompts) {
      const problem = this.byPrompt.get(ids.join(','))!;
      const options = candidates(problem);
      const drawn: string[] = [];
      for (let g = 0; g < G; g++) {
        // Prompt-dependent odds, so pass@k differs across prompts and some prompts see no solution.
        const solve = rng.float() < this.correctBias * (problem.prompt.length % 3) / 2;
        const text = solve ? options[rng.int(5)] : options[5 + rng.int(options.length - 5)];
        // What fits the completion budget (EOS included) is what gets scored.
        drawn.push(text.slice(0, req.maxNewTokens - 1));
      }
      this.seen.set(ids.join(','), [...(this.seen.get(ids.join(',')) ?? []), ...drawn]);
      texts.push(...drawn);
    }
    const encoded = texts.map((t) => chars.encode(t));
    const T = Math.max(...req.prompts.map((p) => p.length)) + req.maxNewTokens;
    const tokens = new Uint32Array(R * T).fill(PAD);
    const mask = new Float32Array(R * T), logp = new Float32Array(R * T);
    const promptLengths = new Uint32Array(R), completionLengths = new Uint32Array(R), endedWithEos = new Uint8Array(R);
    for (let r = 0; r < R; r++) {
      const prompt = req.prompts[Math.floor(r / G)];
      const completion = [...encoded[r], EOS];
      const row = [...prompt, ...completion];
      tokens.set(row, r * T);
      promptLengths[r] = prompt.length;
      completionLengths[r] = completion.length;
      endedWithEos[r] = 1;
      for (let j = 0; j < completion.length; j++) {
        mask[r * T + prompt.length - 1 + j] = 1;
        logp[r * T + prompt.length - 1 + j] = -0.5;
      }
    }
    return { R, T, tokens, logp, mask, promptLengths, completionLengths, endedWithEos };
  }
}

/** pass@k as the share of k-subsets of the n samples that hold a correct one, by enumeration. */
function bruteForcePassAtK(correct: boolean[], k: number): number {
  const n = correct.length;
  let hit = 0, total = 0;
  const walk = (start: number, left: number, any: boolean) => {
    if (left === 0) {
      total++;
      if (any) hit++;
      return;
    }
    for (let i = start; i <= n - left; i++) walk(i + 1, left - 1, any || correct[i]);
  };
  walk(0, k, false);
  return hit / total;
}

async function scriptedEval(n: number, maxRows: number, prompts: number, bias: number) {
  const problems = makeProblems(task, taskConfig, chars, 'eval', 9, 0, prompts);
  const sampler = new ScriptedSampler(maxRows, new Map(problems.map((p) => [p.ids.join(','), p])), bias);
  const row = await evaluate(sampler, task, chars, problems, { n, maxNewTokens: task.maxCompletionChars(taskConfig) + 1, temperature: 1, topK: 0, seed: 3, step: 0 });
  return { row, problems, seen: problems.map((p) => sampler.seen.get(p.ids.join(','))!) };
}

describe('evaluate', () => {
  it.each([
    ['one prompt per sampler call', 6, 6, 5],
    ['several prompts per call, the last call short', 6, 20, 7],
  ])('%s: pass@k, distinct correct and coverage equal a brute-force count over the same samples', async (_name, n, maxRows, prompts) => {
    const { row, problems, seen } = await scriptedEval(n, maxRows, prompts, 0.9);
    expect(row.prompts).toBe(prompts);
    expect(row.samples).toBe(n);
    expect(seen.every((s) => s.length === n)).toBe(true);
    const correct = problems.map((p, i) => seen[i].map((text) => task.isCorrect(p.data as never, text)));
    // The script gives some prompts every chance and others none: the curve is neither flat nor trivial.
    const perPrompt1 = correct.map((c) => bruteForcePassAtK(c, 1));
    expect(Math.max(...perPrompt1)).toBeGreaterThan(Math.min(...perPrompt1));
    expect(row.passAtK.map((p) => p.k)).toEqual([1, 2, 4].filter((k) => k <= n));
    for (const { k, value } of row.passAtK) {
      const want = correct.reduce((a, c) => a + bruteForcePassAtK(c, k), 0) / prompts;
      expect(value, `pass@${k}`).toBeCloseTo(want, 12);
    }
    expect(row.passAtK[0].value).toBeLessThan(row.passAtK.at(-1)!.value);
    // Distinct correct solutions: equivalent rewrites count once.
    const distinct = problems.map((p, i) => new Set(seen[i].filter((_, j) => correct[i][j]).map((text) => task.canonical(p.data as never, text))).size);
    expect(row.distinctCorrect).toBeCloseTo(distinct.reduce((a, b) => a + b, 0) / prompts, 12);
    const coverage = problems.map((p, i) => distinct[i] / (task.solutions?.(p.data as never) ?? []).length);
    expect(row.coverage).toBeCloseTo(coverage.reduce((a, b) => a + b, 0) / prompts, 12);
    // Every scored token had log-probability −0.5: the entropy estimate is their mean NLL.
    expect(row.entropy).toBeCloseTo(0.5, 6);
    // Well-formed: the share of samples that parse as an expression, right or wrong ('((' and '' do not).
    const parsed = seen.flat().filter((text) => /^[\d+\-*/() ]+$/.test(text) && text !== '' && text !== '((');
    expect(parsed.length).toBeGreaterThan(0);
    expect(parsed.length).toBeLessThan(seen.flat().length);
    expect(row.wellFormed).toBeCloseTo(parsed.length / seen.flat().length, 12);
  });

  it('reports pass@k = 0 at every k when nothing is solved, and refuses more samples than the sampler holds', async () => {
    const { row } = await scriptedEval(4, 8, 3, 0);
    expect(row.passAtK.every((p) => p.value === 0)).toBe(true);
    expect(row.distinctCorrect).toBe(0);
    await expect(scriptedEval(9, 8, 1, 0.5)).rejects.toThrow(/exceed/);
  });
});
