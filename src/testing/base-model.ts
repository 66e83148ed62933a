// A freshly initialised base checkpoint for tests that need a policy but not a
// pretrained one (built in memory, so tests never depend on shipped files).

import { presetConfig, type ModelConfig } from '../model/config';
import { type Checkpoint, readCheckpoint, writeCheckpoint } from '../model/checkpoint';
import { buildLayout, initParams } from '../model/params';
import { contextLength, getTask, resolveConfig } from '../tasks/registry';
import type { TaskConfig, TaskName } from '../tasks/types';

export function randomBase(task: TaskName, taskOverrides: Partial<TaskConfig> = {}, model: Partial<ModelConfig> = {}, seed = 1): Checkpoint {
  const spec = getTask(task);
  const cfg = resolveConfig(spec, taskOverrides);
  const tok = spec.tokenizer(cfg);
  const config = presetConfig('tiny', tok.size, contextLength(spec, cfg), { dModel: 16, nLayers: 1, nHeads: 2, ...model });
  const layout = buildLayout(config);
  return readCheckpoint(writeCheckpoint(layout, initParams(layout, seed), { alphabet: tok.alphabet, task, taskConfig: cfg, step: 0 }));
}
