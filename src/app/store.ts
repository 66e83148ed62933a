// The lab's state: runs with their curves, the launcher's draft, the chart and
// inspector selections, banners and what the browser can do. Side effects
// (workers, IndexedDB) live in runner.ts; this file only holds and updates data.

import { create } from 'zustand';
import { type RunConfig, defaultRunConfig } from '../rl/config';
import type { EvalRow, MetricsRow, RolloutGroup, TrainRow } from '../rl/types';
import type { StoredRun } from './db';

export interface LabRun extends StoredRun {
  train: TrainRow[];
  evals: EvalRow[];
}

export type Colouring = 'entropy' | 'advantage' | 'kept' | 'q';

export interface Banner {
  id: number;
  tone: 'error' | 'warning' | 'info';
  title: string;
  lines: string[];
}

export type GpuState = { status: 'probing' } | { status: 'ready'; name: string; software: boolean } | { status: 'unavailable'; message: string };

export interface LabState {
  runs: LabRun[];
  draft: RunConfig;
  /** Bumped when the whole draft is replaced, so half-typed fields reset. */
  draftEpoch: number;
  passK: number;
  colouring: Colouring;
  inspectRunId: string | null;
  banners: Banner[];
  gpu: GpuState;
  persistent: boolean;
  setDraft(patch: Partial<RunConfig>): void;
  loadDraft(config: RunConfig): void;
  setPassK(k: number): void;
  setColouring(c: Colouring): void;
  inspect(id: string | null): void;
  setGpu(gpu: GpuState): void;
  setPersistent(p: boolean): void;
  addBanner(banner: Omit<Banner, 'id'>): void;
  dismissBanner(id: number): void;
  addRun(run: LabRun): void;
  patchRun(id: string, patch: Partial<StoredRun>): void;
  /** Appends rows, replacing any already held for the same (kind, step). */
  appendRows(id: string, rows: readonly MetricsRow[]): void;
  truncateRows(id: string, afterStep: number): void;
  setRollouts(id: string, group: RolloutGroup): void;
  removeRun(id: string): void;
}

let nextBannerId = 1;

function mergeByStep<R extends MetricsRow>(old: readonly R[], added: readonly R[]): R[] {
  if (added.length === 0) return old as R[];
  const last = old.at(-1);
  // The common case: new steps arrive in order.
  if (!last || added.every((r) => r.step > last.step)) return [...old, ...added];
  const byStep = new Map(old.map((r) => [r.step, r]));
  for (const r of added) byStep.set(r.step, r);
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

function updateRun(runs: LabRun[], id: string, fn: (run: LabRun) => LabRun): LabRun[] {
  return runs.map((r) => (r.id === id ? fn(r) : r));
}

export const useLab = create<LabState>()((set) => ({
  runs: [],
  draft: defaultRunConfig(),
  draftEpoch: 0,
  passK: 8,
  colouring: 'entropy',
  inspectRunId: null,
  banners: [],
  gpu: { status: 'probing' },
  persistent: true,
  setDraft: (patch) => set((s) => ({ draft: { ...s.draft, ...patch } })),
  loadDraft: (draft) => set((s) => ({ draft: { ...draft }, draftEpoch: s.draftEpoch + 1 })),
  setPassK: (passK) => set({ passK }),
  setColouring: (colouring) => set({ colouring }),
  inspect: (inspectRunId) => set({ inspectRunId }),
  setGpu: (gpu) => set({ gpu }),
  setPersistent: (persistent) => set({ persistent }),
  addBanner: (banner) => set((s) => ({ banners: [...s.banners, { ...banner, id: nextBannerId++ }] })),
  dismissBanner: (id) => set((s) => ({ banners: s.banners.filter((b) => b.id !== id) })),
  addRun: (run) => set((s) => ({ runs: [...s.runs, run], inspectRunId: s.inspectRunId ?? run.id })),
  patchRun: (id, patch) => set((s) => ({ runs: updateRun(s.runs, id, (r) => ({ ...r, ...patch })) })),
  appendRows: (id, rows) =>
    set((s) => ({
      runs: updateRun(s.runs, id, (r) => ({
        ...r,
        train: mergeByStep(r.train, rows.filter((x): x is TrainRow => x.kind === 'train')),
        evals: mergeByStep(r.evals, rows.filter((x): x is EvalRow => x.kind === 'eval')),
      })),
    })),
  truncateRows: (id, afterStep) =>
    set((s) => ({
      runs: updateRun(s.runs, id, (r) => ({ ...r, train: r.train.filter((x) => x.step <= afterStep), evals: r.evals.filter((x) => x.step <= afterStep) })),
    })),
  setRollouts: (id, rollouts) => set((s) => ({ runs: updateRun(s.runs, id, (r) => ({ ...r, rollouts })) })),
  removeRun: (id) =>
    set((s) => {
      const runs = s.runs.filter((r) => r.id !== id);
      return { runs, inspectRunId: s.inspectRunId === id ? (runs[0]?.id ?? null) : s.inspectRunId };
    }),
}));

/** All rows in the order a run logs them: at equal steps the training row comes before the evaluation after it. */
export function runRows(run: Pick<LabRun, 'train' | 'evals'>): MetricsRow[] {
  return [...run.train, ...run.evals].sort((a, b) => a.step - b.step || (a.kind === b.kind ? 0 : a.kind === 'train' ? -1 : 1));
}
