// Sampling and verification, shared by training steps and evaluations:
// prompts from a task split → G completions each on the GPU → rewards from the
// task's verifier on the CPU. Only tokens and log-probs come back from the GPU.

import type { SampleRequest, SampleResult } from '../model/sampler';
import { type CharTokenizer, EOS } from '../tasks/tokenizer';
import type { PhaseRecorder } from './phases';
import type { AnyTask, Split, TaskConfig } from '../tasks/types';
import { deriveSeed } from '../util/rng';

export interface Problem {
  /** The task's problem object (opaque here). */
  data: unknown;
  prompt: string;
  /** BOS + prompt ids. */
  ids: number[];
}

export function makeProblems(task: AnyTask, cfg: TaskConfig, tokenizer: CharTokenizer, split: Split, seed: number, first: number, count: number): Problem[] {
  const out: Problem[] = [];
  for (let i = 0; i < count; i++) {
    const data = task.generate(cfg, split, seed, first + i);
    const prompt = task.promptText(data);
    out.push({ data, prompt, ids: tokenizer.encodePrompt(prompt) });
  }
  return out;
}

/** How a run decodes (its `decoding` setting). */
export type Decoding = 'full' | 'answer';

/**
 * The tokens the policy may not emit under a run's decoding setting, beside
 * PAD and BOS: none for 'full'; for 'answer', every character outside the
 * task's answer alphabet, and EOS too when the task's answers have a fixed
 * length (the completion then ends at that length).
 */
export function excludedTokens(task: AnyTask, cfg: TaskConfig, tokenizer: CharTokenizer, decoding: Decoding): number[] {
  if (decoding === 'full') return [];
  const allowed = new Set(task.answerAlphabet(cfg));
  const out: number[] = task.fixedLength ? [EOS] : [];
  tokenizer.vocab.forEach((ch, id) => {
    if (id > EOS && !allowed.has(ch)) out.push(id);
  });
  return out;
}

/** A completion's token budget: the task's longest answer and EOS, or exactly the answer's length when decoding = 'answer' fixes it. */
export function completionBudget(task: AnyTask, cfg: TaskConfig, decoding: Decoding = 'full'): number {
  return task.maxCompletionChars(cfg) + (decoding === 'answer' && task.fixedLength ? 0 : 1);
}

/** The prompts of training step `step`: the next `prompts` of the train split, drawn from the run seed. */
export function trainStepProblems(task: AnyTask, cfg: TaskConfig, tokenizer: CharTokenizer, run: { seed: number; prompts: number }, step: number): Problem[] {
  return makeProblems(task, cfg, tokenizer, 'train', run.seed, step * run.prompts, run.prompts);
}

/** The held-out prompts every evaluation of a run uses (the training prompts themselves where the task says so). */
export function evalProblemsOf(task: AnyTask, cfg: TaskConfig, tokenizer: CharTokenizer, run: { seed: number; evalPrompts: number }): Problem[] {
  return makeProblems(task, cfg, tokenizer, task.evalIsTrain ? 'train' : 'eval', deriveSeed(run.seed, 'eval'), 0, run.evalPrompts);
}

export interface ScoredRollouts {
  sample: SampleResult;
  /** Per row (r = p·G + g). */
  rewards: Float32Array;
  correct: Uint8Array;
  /** 1 where the completion parses as an answer of the task's form (task.answer is not null), right or wrong. */
  wellFormed: Uint8Array;
  texts: string[];
  /** The completion's token ids per row (EOS included when reached). */
  completions: Uint32Array[];
}

/** The share of ones in a 0/1 array (0 when empty). */
export function shareOf(flags: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < flags.length; i++) n += flags[i];
  return flags.length > 0 ? n / flags.length : 0;
}

export interface RolloutOptions {
  groupSize: number;
  maxNewTokens: number;
  temperature: number;
  topK: number;
  seed: number;
  step: number;
  /** Told when sampling ends and verification begins (benchmarks only). */
  phases?: PhaseRecorder;
}

/** What sampling needs of a sampler (tests pass scripted ones). */
export interface RolloutSampler {
  readonly maxRows: number;
  sample(req: SampleRequest): Promise<SampleResult>;
}

export async function sampleAndScore(sampler: RolloutSampler, task: AnyTask, tokenizer: CharTokenizer, problems: readonly Problem[], o: RolloutOptions): Promise<ScoredRollouts> {
  const sample = await sampler.sample({
    prompts: problems.map((p) => p.ids),
    groupSize: o.groupSize,
    maxNewTokens: o.maxNewTokens,
    temperature: o.temperature,
    topK: o.topK,
    seed: o.seed,
    step: o.step,
  });
  await o.phases?.enter('verify');
  const R = sample.R;
  const rewards = new Float32Array(R);
  const correct = new Uint8Array(R);
  const wellFormed = new Uint8Array(R);
  const texts: string[] = [];
  const completions: Uint32Array[] = [];
  for (let r = 0; r < R; r++) {
    const problem = problems[Math.floor(r / o.groupSize)];
    const start = r * sample.T + sample.promptLengths[r];
    const ids = sample.tokens.subarray(start, start + sample.completionLengths[r]);
    const text = tokenizer.decode(ids);
    rewards[r] = task.score(problem.data, text);
    correct[r] = task.isCorrect(problem.data, text) ? 1 : 0;
    wellFormed[r] = task.answer(problem.data, text) !== null ? 1 : 0;
    texts.push(text);
    completions.push(ids.slice());
  }
  return { sample, rewards, correct, wellFormed, texts, completions };
}
