// The play / pause / single-step / stop state machine around a Trainer.
// Steps never overlap (one chain of promises), and the loop yields to the
// event loop between steps so commands from the page are seen promptly.

import type { MetricsRow, TrainRow } from '../rl/types';
import type { RunSink, Trainer, WorkerStatus } from './api';

export interface LoopOptions {
  totalSteps: number;
  speed: number;
  /** How often a resumable state is sent while running. */
  saveEveryMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** A message when a training row shows the run cannot go on (src/rl/health.ts), else null. */
  diagnose?: (row: TrainRow) => string | null;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RunLoop {
  status: WorkerStatus = 'paused';
  speed: number;
  private chain: Promise<void> = Promise.resolve();
  private pumping = false;
  private lastSave: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly saveEveryMs: number;
  private readonly totalSteps: number;
  private readonly diagnose: (row: TrainRow) => string | null;

  constructor(
    private readonly trainer: Trainer,
    private readonly sink: RunSink,
    options: LoopOptions,
  ) {
    this.totalSteps = options.totalSteps;
    this.speed = options.speed;
    this.now = options.now ?? (() => performance.now());
    this.sleep = options.sleep ?? defaultSleep;
    this.saveEveryMs = options.saveEveryMs ?? 2000;
    this.diagnose = options.diagnose ?? (() => null);
    this.lastSave = this.now();
    this.saveInterval = this.saveEveryMs;
    if (trainer.stepIndex >= this.totalSteps) this.status = 'done';
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private setStatus(status: WorkerStatus, message?: string) {
    this.status = status;
    this.sink.status(status, message);
  }

  /** Grows with the cost of a save, so saving never takes more than a tenth of the time (big models). */
  private saveInterval: number;

  private async save() {
    const started = this.now();
    const state = await this.trainer.state();
    this.lastSave = this.now();
    this.saveInterval = Math.max(this.saveEveryMs, 10 * (this.lastSave - started));
    await this.sink.saved(this.trainer.stepIndex, state);
  }

  private async stepNow() {
    if (this.status === 'done' || this.status === 'stopped' || this.status === 'error') return;
    try {
      const rows = await this.trainer.step();
      if (this.stoppedOnFault(rows)) return;
      this.sink.rows(rows);
      const group = this.trainer.rollouts();
      if (group) this.sink.rollouts(group);
      if (this.trainer.stepIndex >= this.totalSteps) {
        await this.save();
        await this.sink.checkpoint(await this.trainer.checkpoint());
        this.setStatus('done');
      } else if (this.now() - this.lastSave >= this.saveInterval) await this.save();
    } catch (e) {
      this.setStatus('error', (e as Error).message || String(e));
    }
  }

  /**
   * Ends the run when a training row fails the diagnosis. That step's rows are
   * not kept (their NaNs would reach charts, files and links; the message holds
   * the values), nor is a state saved: the last one saved came before the fault.
   */
  private stoppedOnFault(rows: MetricsRow[]): boolean {
    const at = rows.findIndex((r) => r.kind === 'train');
    const message = at >= 0 ? this.diagnose(rows[at] as TrainRow) : null;
    if (message === null) return false;
    if (at > 0) this.sink.rows(rows.slice(0, at));
    this.setStatus('error', message);
    return true;
  }

  play() {
    if (this.status !== 'paused') return;
    this.setStatus('running');
    if (!this.pumping) void this.pump();
  }

  private async pump() {
    this.pumping = true;
    try {
      while (this.status === 'running') {
        const started = this.now();
        await this.serial(() => this.stepNow());
        const wait = Number.isFinite(this.speed) && this.speed > 0 ? 1000 / this.speed - (this.now() - started) : 0;
        // Always give the event loop a turn, even at full speed: pause must get through.
        await this.sleep(Math.max(0, wait));
      }
    } finally {
      this.pumping = false;
    }
  }

  async pause() {
    if (this.status !== 'running') return;
    this.status = 'paused';
    await this.serial(() => this.save());
    this.setStatus('paused');
  }

  /** One step while paused; ignored while running or finished. */
  async stepOnce() {
    if (this.status !== 'paused') return;
    await this.serial(async () => {
      await this.stepNow();
      if (this.status === 'paused') await this.save();
    });
  }

  async stop() {
    if (this.status === 'done' || this.status === 'stopped' || this.status === 'error') return;
    this.status = 'stopped';
    await this.serial(async () => {
      await this.save();
      await this.sink.checkpoint(await this.trainer.checkpoint());
    });
    this.setStatus('stopped');
  }

  /** Resolves once the step in flight (if any) has finished. */
  idle(): Promise<void> {
    return this.serial(async () => undefined);
  }
}
