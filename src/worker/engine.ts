// Opens the training engine (src/rl/trainer.ts) for a run worker: loads the
// base model, restores a saved state, and presents the engine through the
// worker's Trainer interface.

import type { GpuContext } from '../gpu/context';
import { type Checkpoint, readCheckpoint, writeCheckpoint } from '../model/checkpoint';
import type { RunConfig } from '../rl/config';
import { Trainer as Engine } from '../rl/trainer';
import { type Trainer, type TrainerInit, defaultBasePath } from './api';

async function fetchBase(url: string, config: RunConfig): Promise<Checkpoint> {
  const missing = `No base model for ${config.task} / ${config.preset} is available (${defaultBasePath(config)}). Make one with \`npm run pretrain -- --task ${config.task} --preset ${config.preset} --out public/${defaultBasePath(config)}\`, or choose a base checkpoint file in the launcher.`;
  let response: Response;
  try {
    response = await fetch(url);
  } catch {
    throw new Error(missing);
  }
  // A dev server answers unknown paths with the page itself; that is "missing" too.
  if (!response.ok || (response.headers.get('content-type') ?? '').includes('text/html')) throw new Error(missing);
  return readCheckpoint(await response.arrayBuffer());
}

export interface OpenOptions extends TrainerInit {
  /** Absolute URL of the default base, used when no base file was chosen. */
  baseUrl: string;
}

export async function openTrainer(ctx: GpuContext, config: RunConfig, options: OpenOptions): Promise<Trainer> {
  const base = options.base ? readCheckpoint(options.base) : await fetchBase(options.baseUrl, config);
  const engine = new Engine(ctx, config, base);
  if (options.resume) engine.loadState(options.resume);
  return {
    get stepIndex() {
      return engine.stepIndex;
    },
    step: () => engine.step(),
    rollouts: () => engine.rollouts(),
    state: () => engine.saveState(),
    async checkpoint() {
      const { params, meta } = await engine.checkpointMeta();
      return writeCheckpoint(engine.layout, params, meta);
    },
    destroy: () => engine.dispose(),
  };
}
