// Every task by name, and the helpers that turn loose settings into a valid
// config and a context length.

import { arithmetic } from './arithmetic';
import { countdown } from './countdown';
import { paths } from './paths';
import { tree, trees } from './tree';
import type { AnyTask, TaskConfig, TaskName } from './types';

export const TASK_REGISTRY: Record<TaskName, AnyTask> = {
  countdown: countdown,
  arithmetic: arithmetic,
  paths: paths,
  tree: tree,
  trees: trees,
};

export function getTask(name: TaskName): AnyTask {
  const task = TASK_REGISTRY[name];
  if (task === undefined) throw new Error(`Unknown task "${name}"; known: ${Object.keys(TASK_REGISTRY).join(', ')}`);
  return task;
}

/**
 * The task's defaults overlaid with `overrides`, each knob clamped to its range
 * and snapped to its step; unknown keys and non-finite values are dropped.
 * Cross-knob constraints are left to task.check().
 */
export function resolveConfig(task: AnyTask, overrides: Partial<TaskConfig> = {}): TaskConfig {
  const cfg: TaskConfig = { ...task.defaults };
  for (const knob of task.knobs) {
    const raw = overrides[knob.key];
    if (raw === undefined || !Number.isFinite(raw)) continue;
    const step = knob.step ?? 1;
    const snapped = knob.min + Math.round((raw - knob.min) / step) * step;
    // Snap in step units, then round away float dust such as 0.30000000000000004.
    cfg[knob.key] = Math.min(knob.max, Math.max(knob.min, Number(snapped.toFixed(10))));
  }
  return cfg;
}

/** Positions one sequence needs: BOS, the longest prompt, the longest completion, EOS. */
export function contextLength(task: AnyTask, cfg: TaskConfig): number {
  return 1 + task.maxPromptChars(cfg) + task.maxCompletionChars(cfg) + 1;
}
