import { describe, expect, it } from 'vitest';
import { syntheticEvalRow, syntheticTrainRow } from '../app/test-rows';
import { defaultRunConfig } from '../rl/config';
import { nonFiniteDiagnosis } from '../rl/health';
import type { MetricsRow, RolloutGroup } from '../rl/types';
import type { RunSink, Trainer, WorkerStatus } from './api';
import { RunLoop } from './loop';

// A stand-in trainer that only counts: the loop's job is ordering, not learning.
function countingTrainer(startAt = 0) {
  let step = startAt;
  let inFlight = 0;
  let maxInFlight = 0;
  const trainer: Trainer = {
    get stepIndex() {
      return step;
    },
    async step() {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      step++;
      return [{ kind: 'train', step } as unknown as MetricsRow];
    },
    rollouts: () => ({ step, prompt: 'p', completions: [] }) as RolloutGroup,
    state: async () => new Uint32Array([step]).buffer,
    checkpoint: async () => new ArrayBuffer(4),
    destroy: () => undefined,
  };
  return { trainer, maxInFlight: () => maxInFlight };
}

function recordingSink() {
  const log = { statuses: [] as WorkerStatus[], steps: [] as number[], saved: [] as number[], checkpoints: 0, messages: [] as string[] };
  const sink: RunSink = {
    status: (s, m) => {
      log.statuses.push(s);
      if (m) log.messages.push(m);
    },
    rows: (rows) => log.steps.push(...rows.map((r) => r.step)),
    rollouts: () => undefined,
    saved: (step, state) => {
      expect(new Uint32Array(state)[0]).toBe(step);
      log.saved.push(step);
    },
    checkpoint: () => void log.checkpoints++,
  };
  return { sink, log };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(cond()).toBe(true);
};

describe('RunLoop', () => {
  it('runs to the end once, never overlapping steps, then saves and hands over a checkpoint', async () => {
    const t = countingTrainer();
    const { sink, log } = recordingSink();
    const loop = new RunLoop(t.trainer, sink, { totalSteps: 5, speed: Infinity });
    loop.play();
    loop.play();
    await until(() => loop.status === 'done');
    expect(log.steps).toEqual([1, 2, 3, 4, 5]);
    expect(t.maxInFlight()).toBe(1);
    expect(log.saved.at(-1)).toBe(5);
    expect(log.checkpoints).toBe(1);
    expect(log.statuses).toEqual(['running', 'done']);
  });

  it('single-steps only while paused, and pause saves a resumable state', async () => {
    const t = countingTrainer();
    const { sink, log } = recordingSink();
    const loop = new RunLoop(t.trainer, sink, { totalSteps: 100, speed: Infinity });
    await loop.stepOnce();
    await loop.stepOnce();
    expect(log.steps).toEqual([1, 2]);
    expect(log.saved).toEqual([1, 2]);
    loop.play();
    await until(() => log.steps.length >= 4);
    await loop.stepOnce(); // ignored: running
    await loop.pause();
    const after = log.steps.length;
    expect(log.saved.at(-1)).toBe(after);
    await new Promise((r) => setTimeout(r, 20));
    expect(log.steps.length).toBe(after);
    expect(new Set(log.steps).size).toBe(log.steps.length);
  });

  it('resumes from a restored step and throttles to the chosen speed', async () => {
    const t = countingTrainer(7);
    const { sink, log } = recordingSink();
    const clock = 0;
    const waits: number[] = [];
    const loop = new RunLoop(t.trainer, sink, { totalSteps: 10, speed: 4, now: () => clock, sleep: async (ms) => void waits.push(ms) });
    loop.play();
    await until(() => loop.status === 'done');
    expect(log.steps).toEqual([8, 9, 10]);
    expect(waits.slice(0, 2)).toEqual([250, 250]);
  });

  it('reports a failing step as an error and stops', async () => {
    const t = countingTrainer();
    t.trainer.step = async () => {
      throw new Error('device lost');
    };
    const { sink, log } = recordingSink();
    const loop = new RunLoop(t.trainer, sink, { totalSteps: 3, speed: Infinity });
    loop.play();
    await until(() => loop.status === 'error');
    expect(log.messages).toEqual(['device lost']);
    await loop.stop();
    expect(log.statuses.at(-1)).toBe('error');
  });

  it('stops at the first non-finite training row with the diagnosis, keeping only the rows before it', async () => {
    let step = 0;
    const t = countingTrainer();
    t.trainer.step = async () => {
      step++;
      const train = { ...syntheticTrainRow(step), loss: step === 3 ? NaN : 0.1, gradNorm: step === 3 ? NaN : 0.5 };
      return step === 1 ? [syntheticEvalRow(0), train] : [train, syntheticEvalRow(step)];
    };
    Object.defineProperty(t.trainer, 'stepIndex', { get: () => step });
    const { sink, log } = recordingSink();
    const config = defaultRunConfig();
    const loop = new RunLoop(t.trainer, sink, { totalSteps: 10, speed: Infinity, diagnose: (row) => nonFiniteDiagnosis(row, config) });
    loop.play();
    await until(() => loop.status === 'error');
    expect(log.steps).toEqual([0, 1, 2, 2]);
    expect(log.messages).toHaveLength(1);
    expect(log.messages[0]).toMatch(/^Stopped at step 3: the loss is NaN, the gradient norm is NaN\..*Learning rate \(0\.001\)/);
    expect(log.saved.every((s) => s < 3)).toBe(true);
    loop.play();
    await loop.idle();
    expect(step).toBe(3);
  });

  it('stop saves and hands over the policy; a finished run ignores play', async () => {
    const t = countingTrainer();
    const { sink, log } = recordingSink();
    const loop = new RunLoop(t.trainer, sink, { totalSteps: 50, speed: Infinity });
    loop.play();
    await until(() => log.steps.length >= 2);
    await loop.stop();
    expect(loop.status).toBe('stopped');
    expect(log.checkpoints).toBe(1);
    const n = log.steps.length;
    loop.play();
    await new Promise((r) => setTimeout(r, 10));
    expect(log.steps.length).toBe(n);
  });

  it('waits for the state and the checkpoint to be stored before it reports the end', async () => {
    const t = countingTrainer();
    const { sink, log } = recordingSink();
    const order: string[] = [];
    const slowly = (what: string) => new Promise<void>((r) => setTimeout(() => (order.push(what), r()), 20));
    sink.saved = () => slowly('state stored');
    sink.checkpoint = () => slowly('checkpoint stored');
    const status = sink.status;
    sink.status = (s, m) => (order.push(s), status(s, m));
    const loop = new RunLoop(t.trainer, sink, { totalSteps: 100, speed: Infinity });
    await loop.stepOnce();
    await loop.stop();
    expect(order).toEqual(['state stored', 'state stored', 'checkpoint stored', 'stopped']);
    expect(log.statuses).toEqual(['stopped']);
  });

  it('saves every few seconds while running, less often when saving is slow', async () => {
    let clock = 0;
    const t = countingTrainer();
    const slowState = t.trainer.state;
    let saveCost = 0;
    t.trainer.step = async () => {
      clock += 100;
      return [{ kind: 'train', step: 0 } as unknown as MetricsRow];
    };
    Object.defineProperty(t.trainer, 'stepIndex', { get: () => Math.round(clock / 100) });
    t.trainer.state = async () => {
      clock += saveCost;
      return slowState();
    };
    const { sink } = recordingSink();
    const saves: number[] = [];
    sink.saved = () => void saves.push(clock);
    const loop = new RunLoop(t.trainer, sink, { totalSteps: 1000, speed: Infinity, saveEveryMs: 1000, now: () => clock, sleep: () => new Promise((r) => setTimeout(r, 0)) });
    loop.play();
    await until(() => clock >= 5000);
    await loop.pause();
    expect(loop.status).toBe('paused');
    const gaps = saves.slice(1, 4).map((s, i) => s - saves[i]);
    expect(gaps).toHaveLength(3);
    expect(gaps.every((g) => g >= 1000 && g <= 1100)).toBe(true);
    saveCost = 500;
    const from = saves.length;
    loop.play();
    await until(() => clock >= 40_000);
    await loop.pause();
    const slowGaps = saves.slice(from + 1, from + 3).map((s, i) => s - saves[from + i]);
    expect(slowGaps).toHaveLength(2);
    expect(slowGaps.every((g) => g >= 5000)).toBe(true);
  });
});
