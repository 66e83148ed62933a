// The configurations npm run bench:step times: "task:preset:PxG[:algo]", e.g.
// countdown:tiny:8x8 or paths:small:8x8:d3s. A D³S algo may name where in its
// schedule the step sits, as a fraction of the run: d3s@0.5 is the middle.

import { ALGORITHMS, type Algorithm, PRESETS, type PresetName, TASKS, defaultRunConfig, runSchema, type RunConfig } from '../rl/config';
import type { TaskName } from '../tasks/types';

export const DEFAULT_STEP_CONFIGS = 'countdown:tiny:8x8,countdown:small:8x8,paths:tiny:8x8,paths:small:8x8';

/** Steps of the run a bench trainer is set up for: a step's place in a schedule is stepIndex / this. */
export const BENCH_RUN_STEPS = 10000;

export interface StepConfig {
  /** As written, normalised: "countdown:tiny:8x8" (the algo only when not grpo). */
  name: string;
  task: TaskName;
  preset: PresetName;
  prompts: number;
  group: number;
  algo: Algorithm;
  /** Where in the run the measured steps sit (0 = the start; D³S's schedule depends on it). */
  at: number;
}

const oneOf = <T extends string>(list: readonly T[], v: string): v is T => (list as readonly string[]).includes(v);

export function parseStepConfig(text: string): StepConfig {
  const s = text.trim();
  const fields = s.split(':');
  const usage = `"${s}" is not task:preset:PxG[:algo] (e.g. countdown:tiny:8x8 or paths:small:8x8:d3s)`;
  if (fields.length < 3 || fields.length > 4) throw new Error(usage);
  const [task, preset, shape, algoField = 'grpo'] = fields;
  if (!oneOf(TASKS, task)) throw new Error(`${usage}: unknown task "${task}" (tasks: ${TASKS.join(', ')})`);
  if (!oneOf(PRESETS, preset)) throw new Error(`${usage}: unknown preset "${preset}" (presets: ${PRESETS.join(', ')})`);
  const m = /^(\d+)x(\d+)$/.exec(shape);
  if (!m) throw new Error(`${usage}: "${shape}" is not PxG`);
  const prompts = Number(m[1]), group = Number(m[2]);
  for (const [key, v] of [['prompts', prompts], ['group', group]] as const) {
    const f = runSchema[key];
    if (v < f.min || v > f.max) throw new Error(`${usage}: ${key} ${v} is outside ${f.min}..${f.max}`);
  }
  const [algo, atText] = algoField.split('@');
  if (!oneOf(ALGORITHMS, algo)) throw new Error(`${usage}: unknown algorithm "${algo}" (algorithms: ${ALGORITHMS.join(', ')})`);
  const at = atText === undefined ? 0 : Number(atText);
  if (!(at >= 0 && at < 1)) throw new Error(`${usage}: "@${atText}" must be a fraction of the run in [0, 1)`);
  const name = [task, preset, `${prompts}x${group}`, ...(algo === 'grpo' && at === 0 ? [] : [atText === undefined ? algo : `${algo}@${atText}`])].join(':');
  return { name, task, preset, prompts, group, algo, at };
}

export function parseStepConfigs(list: string): StepConfig[] {
  const configs = list.split(',').filter((s) => s.trim() !== '').map(parseStepConfig);
  if (configs.length === 0) throw new Error('--configs: no configuration given');
  return configs;
}

/** The run a configuration's trainer is made with: lab defaults, its task, preset, algorithm and batch, no periodic evaluation. */
export function benchRunConfig(c: StepConfig): RunConfig {
  return { ...defaultRunConfig(), task: c.task, preset: c.preset, algo: c.algo, prompts: c.prompts, group: c.group, steps: BENCH_RUN_STEPS, evalEvery: 0 };
}
