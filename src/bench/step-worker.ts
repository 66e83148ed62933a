// One contender of npm run bench:step, in a process of its own: a Trainer on
// a Node GPU context, driven over JSON lines on stdin/stdout, one reply per
// request:
//   {"cmd":"init","checkpoint":FILE,"config":RunConfig,"startStep":n} -> {"ok":true,"adapter":…}
//   {"cmd":"step","phases":bool}  -> {"ms":n,"dispatches":n,"submits":n,"readbacks":n|null,"phases":{…}|null}
//   {"cmd":"quit"}
// --baseline copies this file, phase-timer.ts and node-wait.ts into a worktree
// of an older commit that lacks them, so they use only what that commit has too: new Trainer(ctx, config,
// base) and step(); an older trainer ignores the phase recorder.

import { createInterface } from 'node:readline';
import type { GpuContext } from '../gpu/context';
import { createNodeContext } from '../gpu/node';
import { waitSleeping } from '../gpu/node-wait';
import { loadCheckpointFile } from '../model/checkpoint-node';
import type { RunConfig } from '../rl/config';
import type { TrainerOptions } from '../rl/phases';
import { Trainer } from '../rl/trainer';
import { PhaseTimer, countsOf, countsSince } from './phase-timer';

type Request = { cmd: 'init'; checkpoint: string; config: RunConfig; startStep: number } | { cmd: 'step'; phases: boolean } | { cmd: 'quit' };

const ctx = await createNodeContext({ label: 'bench-step' });
// RLVR_BENCH_SLEEPING_WAIT=1 (SLEEPING_WAIT_ENV of baseline.ts, spelled out because baseline.ts is not copied
// into older commits): an older commit's context awaits the GPU's promises plainly, which spins a core in
// Node; routing those promises through waitSleeping times its step waiting as ours does.
const sleepingWait = process.env.RLVR_BENCH_SLEEPING_WAIT === '1';
if (sleepingWait) waitSleepingFor(ctx);

function waitSleepingFor(c: GpuContext): void {
  const buffer = (globalThis as unknown as { GPUBuffer: { prototype: GPUBuffer } }).GPUBuffer.prototype;
  const map = buffer.mapAsync;
  buffer.mapAsync = function (this: GPUBuffer, ...args: Parameters<GPUBuffer['mapAsync']>) {
    return waitSleeping(map.apply(this, args));
  };
  const queue = Object.getPrototypeOf(c.device.queue) as GPUQueue;
  const done = queue.onSubmittedWorkDone;
  queue.onSubmittedWorkDone = function (this: GPUQueue) {
    return waitSleeping(done.call(this));
  };
}
let trainer: Trainer | null = null;
/** The trainer reads this at every step: a phase recorder is attached only to the steps that ask for one. */
const options: TrainerOptions = {};

async function handle(req: Request): Promise<object> {
  if (req.cmd === 'init') {
    trainer?.dispose();
    const base = await loadCheckpointFile(req.checkpoint);
    trainer = new Trainer(ctx, req.config, base, options);
    trainer.stepIndex = req.startStep;
    return { ok: true, adapter: ctx.adapter.name, software: ctx.adapter.isSoftware, sleepingWait };
  }
  if (req.cmd === 'step') {
    if (!trainer) throw new Error('step before init');
    const timer = req.phases ? new PhaseTimer(ctx) : null;
    options.phases = timer ?? undefined;
    const before = countsOf(ctx);
    const t0 = performance.now();
    await trainer.step();
    // Until the GPU has finished all the step submitted: work a step leaves queued is its own, not the next contender's.
    await ctx.sync();
    const ms = performance.now() - t0;
    delete options.phases;
    return { ms, ...countsSince(before, countsOf(ctx)), phases: timer ? timer.phases : null };
  }
  throw new Error(`unknown command ${JSON.stringify((req as { cmd: unknown }).cmd)}`);
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const req = JSON.parse(line) as Request;
  if (req.cmd === 'quit') break;
  let reply: object;
  try {
    reply = await handle(req);
  } catch (e) {
    reply = { error: (e as Error).message };
  }
  process.stdout.write(`${JSON.stringify(reply)}\n`);
}
shutdown();

function shutdown(): never {
  trainer?.dispose();
  ctx.destroy();
  process.exit(0);
}
