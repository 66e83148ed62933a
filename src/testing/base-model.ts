// A freshly initialised base checkpoint for tests that need a policy but not a
// pretrained one (built in memory, so tests never depend on shipped files).

import { presetConfig, type ModelConfig, type PresetName } from '../model/config';
import { type Checkpoint, readCheckpoint, writeCheckpoint } from '../model/checkpoint';
import { buildLayout, initParams } from '../model/params';
import { contextLength, getTask, resolveConfig } from '../tasks/registry';
import type { TaskConfig, TaskName } from '../tasks/types';

export function randomBase(task: TaskName, taskOverrides: Partial<TaskConfig> = {}, model: Partial<ModelConfig> = {}, seed = 1): Checkpoint {
  return initialisedBase(task, taskOverrides, 'tiny', { dModel: 16, nLayers: 1, nHeads: 2, ...model }, seed);
}

/** A freshly initialised base of a whole preset at the task's defaults (the base preset ships no checkpoint). */
export function randomPresetBase(task: TaskName, preset: PresetName, seed = 1): Checkpoint {
  return initialisedBase(task, {}, preset, {}, seed);
}

function initialisedBase(task: TaskName, taskOverrides: Partial<TaskConfig>, preset: PresetName, model: Partial<ModelConfig>, seed: number): Checkpoint {
  const spec = getTask(task);
  const cfg = resolveConfig(spec, taskOverrides);
  const tok = spec.tokenizer(cfg);
  const config = presetConfig(preset, tok.size, contextLength(spec, cfg), model);
  const layout = buildLayout(config);
  return readCheckpoint(writeCheckpoint(layout, initParams(layout, seed), { alphabet: tok.alphabet, task, taskConfig: cfg, step: 0 }));
}
