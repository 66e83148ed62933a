// The contract between the lab (main thread), the run worker and the training
// engine. One Worker per run; the main thread only sends commands and receives
// rows, so training never blocks the page.

import type { RunConfig } from '../rl/config';
import type { MetricsRow, RolloutGroup } from '../rl/types';

/** What the run loop needs from the engine (src/rl/trainer.ts, adapted in engine.ts). */
export interface Trainer {
  /** Steps completed so far (0 before the first; the resumed step after a restore). */
  readonly stepIndex: number;
  /** Runs one training step (and an evaluation when one is due) and returns the rows it logged. */
  step(): Promise<MetricsRow[]>;
  /** One prompt's group from the latest step, for the inspector. */
  rollouts(): RolloutGroup | null;
  /** Everything needed to resume bit-exactly: parameters, optimizer moments, RNG counters, step. */
  state(): Promise<ArrayBuffer>;
  /** The current policy as a checkpoint file (safetensors). */
  checkpoint(): Promise<ArrayBuffer>;
  destroy(): void;
}

export interface TrainerInit {
  /** Base checkpoint (safetensors); absent = the preset's default base. */
  base?: ArrayBuffer;
  /** A `Trainer.state()` blob to resume from. */
  resume?: ArrayBuffer;
}

export type WorkerStatus = 'starting' | 'running' | 'paused' | 'done' | 'stopped' | 'error';

/** Callbacks the main thread hands to the worker (comlink-proxied). */
export interface RunSink {
  status(status: WorkerStatus, message?: string): void;
  rows(rows: MetricsRow[]): void;
  rollouts(group: RolloutGroup): void;
  /** A resumable state at `step` (every few seconds, on pause, stop and at the end). */
  saved(step: number, state: ArrayBuffer): void;
  /** The final policy when the run finishes. */
  checkpoint(data: ArrayBuffer): void;
}

export interface StartOptions extends TrainerInit {
  config: RunConfig;
  /** Absolute URL of the default base model, used when `base` is absent. */
  baseUrl: string;
  /** Begin stepping right away; otherwise wait paused for resume() or stepOnce(). */
  play: boolean;
  /** Steps per second; Infinity = as fast as the GPU goes. */
  speed: number;
}

export interface RunWorkerApi {
  start(options: StartOptions, sink: RunSink): Promise<void>;
  resume(): void;
  pause(): Promise<void>;
  stepOnce(): Promise<void>;
  stop(): Promise<void>;
  setSpeed(stepsPerSecond: number): void;
  checkpoint(): Promise<ArrayBuffer>;
}

/** Where the lab looks for a run's default base model, relative to the page (written by `npm run pretrain`). */
export function defaultBasePath(config: Pick<RunConfig, 'task' | 'preset'>): string {
  return `checkpoints/${config.task}-${config.preset}.safetensors`;
}
