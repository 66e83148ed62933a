// The page of npm run bench:browser-step: a Trainer on the page's WebGPU
// context, stepped on request. --baseline copies this file and its HTML into a
// worktree of an older commit, so it uses only what that commit has too:
// createGpuContext, readCheckpoint, new Trainer(ctx, config, base), step().

import { type GpuContext, createGpuContext } from '../gpu/context';
import { readCheckpoint } from '../model/checkpoint';
import type { RunConfig } from '../rl/config';
import { Trainer } from '../rl/trainer';

export interface BrowserStep {
  ms: number;
  dispatches: number;
}

declare global {
  interface Window {
    stepBenchReady?: boolean;
    stepBench?: {
      init(checkpointBase64: string, config: RunConfig, startStep: number): Promise<string>;
      step(): Promise<BrowserStep>;
    };
  }
}

let ctx: GpuContext | null = null;
let trainer: Trainer | null = null;

function bytesOf(base64: string): ArrayBuffer {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes.buffer;
}

window.stepBench = {
  async init(checkpointBase64, config, startStep) {
    ctx ??= await createGpuContext(navigator.gpu, { label: 'bench-browser-step' });
    trainer?.dispose();
    trainer = new Trainer(ctx, config, readCheckpoint(bytesOf(checkpointBase64)));
    trainer.stepIndex = startStep;
    return ctx.adapter.name;
  },
  async step() {
    if (!ctx || !trainer) throw new Error('step before init');
    const before = ctx.stats().dispatches;
    const t0 = performance.now();
    await trainer.step();
    // Until the GPU has finished all the step submitted: work a step leaves queued is its own, not the next contender's.
    await ctx.sync();
    return { ms: performance.now() - t0, dispatches: ctx.stats().dispatches - before };
  },
};
window.stepBenchReady = true;
