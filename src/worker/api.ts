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

/** What the run loop reports (src/worker/loop.ts); the worker stores the blobs and tells the page. */
export interface RunSink {
  status(status: WorkerStatus, message?: string): void;
  rows(rows: MetricsRow[]): void;
  rollouts(group: RolloutGroup): void;
  /** A resumable state at `step` (every few seconds, on pause, stop and at the end); awaited before the loop goes on. */
  saved(step: number, state: ArrayBuffer): void | Promise<void>;
  /** The final policy when the run finishes; awaited like `saved`. */
  checkpoint(data: ArrayBuffer): void | Promise<void>;
}

/**
 * Callbacks the main thread hands to the worker (comlink-proxied). When the
 * page's database is IndexedDB, state and checkpoint blobs never cross to the
 * page: the worker writes them itself (structured-cloning megabytes into
 * storage on the main thread blocked the page's redraws) and passes null.
 * Otherwise (a database only the page can reach) the blob is transferred.
 */
export interface PageSink {
  status(status: WorkerStatus, message?: string): void;
  rows(rows: MetricsRow[]): void;
  rollouts(group: RolloutGroup): void;
  /** The resumable state at `step`: stored already (null), or here to be stored. */
  saved(step: number, state: ArrayBuffer | null): void;
  /** The final policy: stored already as the run's checkpoint (null), or here to be stored. */
  checkpoint(data: ArrayBuffer | null): void;
  /** A blob could not be stored; the run goes on. */
  storageFailed(message: string): void;
}

/** Where the worker stores a run's blobs: the lab's database and the run's id (src/app/db.ts). */
export interface BlobStore {
  db: string;
  runId: string;
}

export interface StartOptions extends TrainerInit {
  config: RunConfig;
  /** Absolute URL of the default base model, used when `base` is absent. */
  baseUrl: string;
  /** Begin stepping right away; otherwise wait paused for resume() or stepOnce(). */
  play: boolean;
  /** Steps per second; Infinity = as fast as the GPU goes. */
  speed: number;
  /** The IndexedDB database the worker stores blobs in; null: they go to the page. */
  store: BlobStore | null;
}

export interface RunWorkerApi {
  start(options: StartOptions, sink: PageSink): Promise<void>;
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
