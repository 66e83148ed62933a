// One training run, in its own Web Worker. The page drives it through
// comlink (RunWorkerApi) and hears back through a proxied RunSink.

import * as Comlink from 'comlink';
import { type LabDb, openLabDb } from '../app/db';
import { type GpuContext, createGpuContext } from '../gpu/context';
import { nonFiniteDiagnosis } from '../rl/health';
import type { BlobStore, PageSink, RunSink, RunWorkerApi, StartOptions, Trainer } from './api';
import { openTrainer } from './engine';
import { RunLoop } from './loop';

let ctx: GpuContext | null = null;
let trainer: Trainer | null = null;
let loop: RunLoop | null = null;

/**
 * The loop's sink: rows go to the page; blobs go straight into the lab's
 * IndexedDB from this worker when it has a store (the page only hears that
 * they are stored, so storing costs its main thread nothing), else they move
 * to the page (transferred, not copied).
 */
async function storingSink(page: PageSink, store: BlobStore | null): Promise<RunSink> {
  let db: LabDb | null = null;
  if (store) {
    try {
      db = await openLabDb(store.db);
    } catch (e) {
      page.storageFailed(`the run worker cannot open the lab's storage (${(e as Error).message})`);
    }
  }
  /** Stores the blob here; false when it could not be. */
  const put = async (kind: 'state' | 'checkpoint', data: ArrayBuffer): Promise<boolean> => {
    try {
      await db!.putBlob(store!.runId, kind, data);
      return true;
    } catch (e) {
      page.storageFailed((e as Error).message || String(e));
      return false;
    }
  };
  return {
    status: (s, m) => page.status(s, m),
    rows: (r) => page.rows(r),
    rollouts: (g) => page.rollouts(g),
    saved: async (step, state) => {
      if (!db) page.saved(step, Comlink.transfer(state, [state]));
      else if (await put('state', state)) page.saved(step, null);
    },
    checkpoint: async (data) => {
      if (!db) page.checkpoint(Comlink.transfer(data, [data]));
      else if (await put('checkpoint', data)) page.checkpoint(null);
    },
  };
}

const api: RunWorkerApi = {
  async start(options: StartOptions, page: PageSink) {
    if (loop) throw new Error('This worker already has a run.');
    page.status('starting');
    const sink = await storingSink(page, options.store);
    try {
      ctx = await createGpuContext(navigator.gpu, { label: 'rlvr-lab run' });
      trainer = await openTrainer(ctx, options.config, options);
      const config = options.config;
      loop = new RunLoop(trainer, sink, { totalSteps: config.steps, speed: options.speed, diagnose: (row) => nonFiniteDiagnosis(row, config) });
      if (loop.status === 'done') sink.status('done');
      else if (options.play) loop.play();
      else sink.status('paused');
    } catch (e) {
      sink.status('error', (e as Error).message || String(e));
    }
  },
  resume: () => loop?.play(),
  pause: async () => loop?.pause(),
  stepOnce: async () => loop?.stepOnce(),
  async stop() {
    await loop?.stop();
    trainer?.destroy();
    ctx?.destroy();
  },
  setSpeed(stepsPerSecond: number) {
    if (loop) loop.speed = stepsPerSecond;
  },
  async checkpoint() {
    if (!trainer || !loop) throw new Error('No trained policy in this run yet.');
    await loop.idle();
    const data = await trainer.checkpoint();
    return Comlink.transfer(data, [data]);
  },
};

Comlink.expose(api);
