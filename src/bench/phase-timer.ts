// Counts and times a training step phase by phase for npm run bench:step. At
// each boundary it waits for the GPU, so a phase is charged with the GPU work
// it recorded (the wait adds at most one submit per phase).

import type { GpuContext } from '../gpu/context';
import type { PhaseRecorder, StepPhase } from '../rl/phases';

export interface StepCounts {
  dispatches: number;
  submits: number;
  /** null where the context does not count readbacks (an older commit). */
  readbacks: number | null;
}

export interface PhaseSample extends StepCounts {
  ms: number;
}

export function countsOf(ctx: GpuContext): StepCounts {
  const s = ctx.stats() as { dispatches: number; submits: number; readbacks?: number };
  return { dispatches: s.dispatches, submits: s.submits, readbacks: s.readbacks ?? null };
}

export function countsSince(before: StepCounts, after: StepCounts): StepCounts {
  return {
    dispatches: after.dispatches - before.dispatches,
    submits: after.submits - before.submits,
    readbacks: after.readbacks === null || before.readbacks === null ? null : after.readbacks - before.readbacks,
  };
}

export class PhaseTimer implements PhaseRecorder {
  readonly phases: Partial<Record<StepPhase, PhaseSample>> = {};
  private current: StepPhase | null = null;
  private startedAt = 0;
  private startCounts: StepCounts | null = null;

  constructor(private readonly ctx: GpuContext) {}

  async enter(phase: StepPhase | null): Promise<void> {
    await this.ctx.sync();
    const now = performance.now(), counts = countsOf(this.ctx);
    if (this.current && this.startCounts) this.phases[this.current] = { ms: now - this.startedAt, ...countsSince(this.startCounts, counts) };
    this.current = phase;
    this.startedAt = now;
    this.startCounts = counts;
  }
}
