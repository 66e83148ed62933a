// The six lessons: titles and the run settings each widget starts from. Every
// lesson trains on a shipped tiny base (public/checkpoints/<task>-tiny), with
// few prompts, small groups and few steps, so its first result arrives in
// seconds even on a CPU-only adapter. Lessons 3 and 6 run the shipped
// experiments' own settings (src/rl/experiments.ts), under which
// docs/results.md measured the effect they teach.

import { type RunConfig, defaultRunConfig } from '../../rl/config';
import { armConfig, experimentByName } from '../../rl/experiments';

export interface LessonInfo {
  number: number;
  title: string;
  /** One line for the lesson list. */
  summary: string;
  config(): RunConfig;
}

const small = (patch: Partial<RunConfig>): RunConfig => ({ ...defaultRunConfig(), preset: 'tiny', seed: 1, minibatches: 1, ...patch });
/** The settings of one arm of a shipped experiment, on one of its reported seeds. */
const shipped = (name: string, arm: string, seed: number): RunConfig => {
  const spec = experimentByName(name)!;
  return armConfig(spec, spec.arms.find((a) => a.name === arm)!.train!, seed);
};

export const LESSONS: readonly LessonInfo[] = [
  {
    number: 1,
    title: 'One RLVR step, slowed down',
    summary: 'A prompt, its group, the rewards, the advantages, and which token probabilities the update moves.',
    config: () => small({ task: 'countdown', algo: 'grpo', prompts: 2, group: 8, steps: 30, evalEvery: 0, evalPrompts: 2, evalSamples: 4 }),
  },
  {
    number: 2,
    title: 'The learning cliff',
    summary: 'Groups whose completions all score the same give zero advantage, and nothing to learn from.',
    config: () => small({ task: 'tree', algo: 'grpo', prompts: 4, group: 4, steps: 40, evalEvery: 0, evalPrompts: 1, evalSamples: 16 }),
  },
  {
    number: 3,
    title: 'Sharpening or discovery?',
    summary: 'GRPO from the base: pass@1 rises, but does pass@k at large k, and the number of distinct solutions?',
    // Seed 2: among the reported seeds, one on which GRPO leaves the base early (docs/teaching.md says how often that happens).
    config: () => shipped('sharpening', 'grpo', 2),
  },
  {
    number: 4,
    title: 'ROVER’s theorem on the tree',
    summary: 'Exact Q-values of the uniformly random policy beside what ROVER learns: greedy is optimal, softmax keeps every winner.',
    config: () => small({ task: 'tree', algo: 'rover', prompts: 4, group: 16, steps: 60, minibatches: 4, rho: 0.3, evalEvery: 0, evalPrompts: 1, evalSamples: 16 }),
  },
  {
    number: 5,
    title: 'D³S: fewer samples, fewer tokens',
    summary: 'Which rollouts are kept (Var(A)) and which tokens (|A|·H), as the schedule relaxes; tokens spent against reward.',
    config: () => small({ task: 'countdown', algo: 'd3s', prompts: 4, group: 8, steps: 40, evalEvery: 0, evalPrompts: 2, evalSamples: 4 }),
  },
  {
    number: 6,
    title: 'Positive versus negative reinforcement',
    summary: 'Train on positive-advantage samples only, negative only, or both, and compare pass@k across k.',
    config: () => shipped('polarity', 'both', 1),
  },
];

export function lessonInfo(n: number): LessonInfo {
  return LESSONS[Math.min(LESSONS.length, Math.max(1, n)) - 1];
}
