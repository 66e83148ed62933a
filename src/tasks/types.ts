// The contract every verifiable task meets. The RL loop, the metrics and the
// lab's forms code against TaskSpec only: a task is a seeded prompt generator
// plus a verifier that turns any completion string into a reward in [0, 1].

import type { CharTokenizer } from './tokenizer';

export type Split = 'train' | 'eval';
/** Every task the lab knows; a new task adds its name here and its spec to TASK_REGISTRY. */
export const TASK_NAMES = ['countdown', 'arithmetic', 'paths', 'tree', 'trees'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

/** Every difficulty knob is a number (switches are 0/1), so configs serialise flat. */
export type TaskConfig = Record<string, number>;

export interface KnobSpec {
  key: string;
  label: string;
  min: number;
  max: number;
  /** Granularity of the knob; 1 (integers) when absent. */
  step?: number;
  help: string;
}

export interface TaskSpec<Cfg extends TaskConfig, P> {
  name: TaskName;
  /** One line each, for the UI. */
  title: string;
  description: string;
  defaults: Cfg;
  /** One entry per key of Cfg, in display order. */
  knobs: KnobSpec[];
  /**
   * True when the eval split is the training prompts themselves (tree: each
   * tree is memorised, there is nothing to generalise to). Otherwise train and
   * eval prompts are disjoint sets.
   */
  evalIsTrain?: boolean;
  /** Why a config whose knobs are each in range is still unusable (e.g. k^h too big); null when fine. */
  check(cfg: Cfg): string | null;
  /** Character alphabet covering every prompt, solution and demonstration for this config. */
  tokenizer(cfg: Cfg): CharTokenizer;
  /** The characters an answer can contain (a subset of the tokenizer's): with the run setting decoding = 'answer' the policy can emit only these and EOS. */
  answerAlphabet(cfg: Cfg): string;
  /** True when every answer has exactly maxCompletionChars characters: under decoding = 'answer' a completion is then exactly that long and EOS is not among its tokens. */
  fixedLength?: boolean;
  /** Longest prompt, in characters (BOS not counted). */
  maxPromptChars(cfg: Cfg): number;
  /** Longest solution or demonstration, in characters (EOS not counted). */
  maxCompletionChars(cfg: Cfg): number;
  /** Deterministic in (cfg, split, seed, index); throws when the config admits no prompt. */
  generate(cfg: Cfg, split: Split, seed: number, index: number): P;
  /** The text the policy sees after BOS. */
  promptText(p: P): string;
  /** Reward in [0, 1]; never throws: any string gets a reward (0 for garbage). */
  score(p: P, completion: string): number;
  /** The pass@k notion of "correct". */
  isCorrect(p: P, completion: string): boolean;
  /** Normalised final answer, right or wrong, for "distinct answers"; null when unparseable. */
  answer(p: P, completion: string): string | null;
  /** Canonical form of a correct solution, so equivalent solutions count once; null when not correct. */
  canonical(p: P, completion: string): string | null;
  /** Canonical forms of all correct solutions, where they can be enumerated (coverage = found / all). */
  solutions?(p: P): string[] | null;
  /**
   * A well-formed attempt for pretraining a base model: correct with
   * probability ≈ correctRate, and varied across (seed, index).
   */
  demonstration(cfg: Cfg, p: P, seed: number, index: number, correctRate: number): string;
}

/** A task with its config and problem types erased, as the registry holds it. */
// Methods (not function-valued properties) keep parameters bivariant, so every
// concrete TaskSpec<Cfg, P> is assignable here.
export type AnyTask = TaskSpec<TaskConfig, unknown>;
