// One training run, in its own Web Worker. The page drives it through
// comlink (RunWorkerApi) and hears back through a proxied RunSink.

import * as Comlink from 'comlink';
import { type GpuContext, createGpuContext } from '../gpu/context';
import { nonFiniteDiagnosis } from '../rl/health';
import type { RunSink, RunWorkerApi, StartOptions, Trainer } from './api';
import { openTrainer } from './engine';
import { RunLoop } from './loop';

let ctx: GpuContext | null = null;
let trainer: Trainer | null = null;
let loop: RunLoop | null = null;

function transferable(sink: RunSink): RunSink {
  // State and checkpoint blobs move to the page instead of being copied.
  return {
    status: (s, m) => sink.status(s, m),
    rows: (r) => sink.rows(r),
    rollouts: (g) => sink.rollouts(g),
    saved: (step, state) => sink.saved(step, Comlink.transfer(state, [state])),
    checkpoint: (data) => sink.checkpoint(Comlink.transfer(data, [data])),
  };
}

const api: RunWorkerApi = {
  async start(options: StartOptions, sink: RunSink) {
    if (loop) throw new Error('This worker already has a run.');
    sink.status('starting');
    try {
      ctx = await createGpuContext(navigator.gpu, { label: 'rlvr-lab run' });
      trainer = await openTrainer(ctx, options.config, options);
      const config = options.config;
      loop = new RunLoop(trainer, transferable(sink), { totalSteps: config.steps, speed: options.speed, diagnose: (row) => nonFiniteDiagnosis(row, config) });
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
