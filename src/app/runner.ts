// Starts, drives and persists runs: one Web Worker per running run, rows and
// state blobs written to IndexedDB as they arrive, runs restored on reload
// (a run that was training comes back paused and resumes from its last state).

import * as Comlink from 'comlink';
import type { RunConfig } from '../rl/config';
import type { MetricsRow, RolloutGroup } from '../rl/types';
import { type PageSink, type RunWorkerApi, type WorkerStatus, defaultBasePath } from '../worker/api';
import { ALGORITHM_LABELS, algorithmOf } from './colors';
import { type BaseFileInfo, type LabDb, type RunOrigin, type StoredRun, openLabDb } from './db';
import { type LabRun, useLab } from './store';
import { splitRows } from './rows';
import { cleanRunName } from './run-name';

interface LiveRun {
  worker: Worker;
  api: Comlink.Remote<RunWorkerApi>;
}

export interface NewRun {
  config: RunConfig;
  name?: string;
  origin?: RunOrigin;
  rows?: readonly MetricsRow[];
  rollouts?: RolloutGroup | null;
  base?: ArrayBuffer;
  /** Where `base` came from, for the share panel (a link never carries the file). */
  baseFile?: BaseFileInfo;
  /** Start training right away. */
  start?: boolean;
}

const FINISHED: ReadonlySet<string> = new Set(['done', 'stopped', 'recorded']);

export function defaultRunName(config: RunConfig, taken: readonly string[]): string {
  const stem = `${ALGORITHM_LABELS[algorithmOf(config)]} · ${config.task} · seed ${config.seed}`;
  if (!taken.includes(stem)) return stem;
  for (let n = 2; ; n++) if (!taken.includes(`${stem} (${n})`)) return `${stem} (${n})`;
}

const newId = () => (typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`);

function stored(run: LabRun): StoredRun {
  const { train: _train, evals: _evals, ...rest } = run;
  return rest;
}

/** Rows reach the charts at most this often, however fast runs step: redraws stay short. */
const REDRAW_MS = 200;
const RELEASE_GRACE_MS = 1000;

export class Runner {
  private readonly live = new Map<string, LiveRun>();
  private readonly pendingRows = new Map<string, MetricsRow[]>();
  private readonly pendingRollouts = new Map<string, RolloutGroup>();
  private flushTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly db: LabDb | null) {}

  static async open(): Promise<Runner> {
    try {
      return new Runner(await openLabDb());
    } catch (e) {
      useLab.getState().setPersistent(false);
      useLab.getState().addBanner({ tone: 'warning', title: 'Runs will not be saved', lines: [`This browser refused storage (${(e as Error).message}); runs last only while the tab is open.`] });
      return new Runner(null);
    }
  }

  private get lab() {
    return useLab.getState();
  }

  private run(id: string): LabRun | undefined {
    return this.lab.runs.find((r) => r.id === id);
  }

  private async persist(id: string) {
    const run = this.run(id);
    if (run && this.db) await this.db.putRun(stored(run));
  }

  private report(title: string, e: unknown) {
    this.lab.addBanner({ tone: 'error', title, lines: [(e as Error)?.message ?? String(e)] });
  }

  /** Loads every saved run; runs that were training come back paused. */
  async restore() {
    if (!this.db) return;
    const runs = (await this.db.listRuns()).sort((a, b) => a.createdAt - b.createdAt);
    for (const r of runs) {
      if (this.run(r.id)) continue;
      const interrupted = r.status === 'running' || r.status === 'starting';
      const status = interrupted ? (r.savedStep !== null ? 'paused' : 'ready') : r.status;
      const { train, evals } = splitRows(await this.db.rows(r.id));
      this.lab.addRun({ ...r, name: cleanRunName(r.name) || r.name, status, train, evals });
      if (status !== r.status) await this.persist(r.id);
    }
  }

  async create(spec: NewRun): Promise<string> {
    const id = newId();
    const { train, evals } = splitRows(spec.rows ?? []);
    const recorded = train.length + evals.length > 0;
    const run: LabRun = {
      id,
      name: (spec.name !== undefined && cleanRunName(spec.name)) || defaultRunName(spec.config, this.lab.runs.map((r) => r.name)),
      config: spec.config,
      status: recorded ? 'recorded' : 'ready',
      error: null,
      origin: spec.origin ?? 'local',
      createdAt: Date.now(),
      speed: Infinity,
      savedStep: null,
      hasCheckpoint: false,
      hasBase: !!spec.base,
      baseFile: spec.base ? (spec.baseFile ?? null) : null,
      rollouts: spec.rollouts ?? null,
      train,
      evals,
    };
    this.lab.addRun(run);
    try {
      await this.db?.addRun(stored(run), spec.rows ?? [], spec.base);
    } catch (e) {
      this.report('Could not save the run', e);
    }
    // Not awaited: a comparison's runs should start side by side, not one after another.
    if (spec.start) void this.play(id);
    return id;
  }

  private scheduleFlush() {
    this.flushTimer ??= setTimeout(() => this.flush(), REDRAW_MS);
  }

  /** Hands the rows and rollouts received since the last flush to the store in one update per run. */
  private flush() {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    for (const [id, rows] of this.pendingRows) this.lab.appendRows(id, rows);
    for (const [id, group] of this.pendingRollouts) this.lab.setRollouts(id, group);
    this.pendingRows.clear();
    this.pendingRollouts.clear();
  }

  private sink(id: string): PageSink {
    // A removed run's worker may still speak for a moment; nothing it says is
    // kept, and a blob it stored after the removal is removed again.
    const gone = () => !this.run(id);
    const orphan = () => void this.db?.deleteRun(id).catch(() => undefined);
    return {
      status: (status: WorkerStatus, message?: string) => {
        if (gone()) return;
        this.flush();
        this.lab.patchRun(id, { status, error: status === 'error' ? (message ?? 'the run failed') : null });
        void this.persist(id);
        if (status === 'error' || status === 'done' || status === 'stopped') this.release(id);
      },
      rows: (rows) => {
        if (gone()) return;
        this.pendingRows.set(id, [...(this.pendingRows.get(id) ?? []), ...rows]);
        this.scheduleFlush();
        this.db?.putRows(id, rows).catch((e) => this.report('Could not save metrics', e));
      },
      rollouts: (group) => {
        if (gone()) return;
        this.pendingRollouts.set(id, group);
        this.scheduleFlush();
      },
      saved: (step, state) => {
        if (gone()) return orphan();
        this.flush();
        this.lab.patchRun(id, { savedStep: step });
        if (!state) void this.persist(id);
        else void this.db?.putBlob(id, 'state', state).then(() => this.persist(id));
      },
      checkpoint: (data) => {
        if (gone()) return orphan();
        this.lab.patchRun(id, { hasCheckpoint: true });
        if (!data) void this.persist(id);
        else void this.db?.putBlob(id, 'checkpoint', data).then(() => this.persist(id));
      },
      storageFailed: (message) => {
        if (gone()) return;
        this.report(`Could not save “${this.run(id)?.name}”`, new Error(message));
      },
    };
  }

  private release(id: string, graceMs = RELEASE_GRACE_MS) {
    const live = this.live.get(id);
    if (!live) return;
    this.live.delete(id);
    // The worker reports the end before its last reply (to start, stop, …) is
    // delivered; a moment's grace lets that reply through instead of stranding it.
    setTimeout(() => {
      live.api[Comlink.releaseProxy]();
      live.worker.terminate();
    }, graceMs);
  }

  /** Starts a worker for the run, resuming from its saved state when it has one. */
  private async spawn(run: LabRun, play: boolean): Promise<LiveRun> {
    this.flush();
    // Marked at once, so a second click cannot start a second worker while this one loads.
    this.lab.patchRun(run.id, { status: 'starting', error: null });
    const resume = run.savedStep !== null && this.db ? await this.db.getBlob(run.id, 'state') : null;
    const from = resume ? run.savedStep! : -1;
    // Steps after the saved state are recomputed (runs are deterministic), so their rows go.
    this.lab.truncateRows(run.id, from);
    await this.db?.deleteRowsAfter(run.id, from);
    const base = run.hasBase && this.db ? await this.db.getBlob(run.id, 'base') : null;
    const worker = new Worker(new URL('../worker/run-worker.ts', import.meta.url), { type: 'module', name: run.name });
    const live: LiveRun = { worker, api: Comlink.wrap<RunWorkerApi>(worker) };
    this.live.set(run.id, live);
    worker.onerror = (e) => this.lab.patchRun(run.id, { status: 'error', error: e.message || 'the run worker crashed' });
    this.lab.patchRun(run.id, { savedStep: resume ? run.savedStep : null });
    const baseUrl = new URL(defaultBasePath(run.config), document.baseURI).href;
    const store = this.db?.name ? { db: this.db.name, runId: run.id } : null;
    await live.api.start({ config: run.config, baseUrl, play, speed: run.speed, resume: resume ?? undefined, base: base ?? undefined, store }, Comlink.proxy(this.sink(run.id)));
    return live;
  }

  async play(id: string) {
    const run = this.run(id);
    if (!run || FINISHED.has(run.status) || run.status === 'starting') return;
    try {
      const live = this.live.get(id);
      if (live) await live.api.resume();
      else await this.spawn(run, true);
    } catch (e) {
      this.lab.patchRun(id, { status: 'error', error: (e as Error)?.message ?? String(e) });
      this.report(`Could not start “${run.name}”`, e);
    }
  }

  async pause(id: string) {
    await this.live.get(id)?.api.pause();
  }

  async stepOnce(id: string) {
    const run = this.run(id);
    if (!run || FINISHED.has(run.status) || run.status === 'running' || run.status === 'starting') return;
    try {
      const live = this.live.get(id) ?? (await this.spawn(run, false));
      await live.api.stepOnce();
    } catch (e) {
      this.lab.patchRun(id, { status: 'error', error: (e as Error)?.message ?? String(e) });
      this.report(`Could not step “${run.name}”`, e);
    }
  }

  async stop(id: string) {
    const live = this.live.get(id);
    if (live) await live.api.stop();
    else if (this.run(id) && !FINISHED.has(this.run(id)!.status)) {
      this.lab.patchRun(id, { status: 'stopped' });
      await this.persist(id);
    }
  }

  async setSpeed(id: string, speed: number) {
    this.lab.patchRun(id, { speed });
    await this.live.get(id)?.api.setSpeed(speed);
    await this.persist(id);
  }

  async remove(id: string) {
    this.release(id, 0);
    this.pendingRows.delete(id);
    this.pendingRollouts.delete(id);
    this.lab.removeRun(id);
    await this.db?.deleteRun(id);
  }

  /** A fresh run with the same configuration (and base), e.g. to reproduce shared results. */
  async rerun(id: string): Promise<string | null> {
    const run = this.run(id);
    if (!run) return null;
    const base = run.hasBase && this.db ? await this.db.getBlob(id, 'base') : null;
    return this.create({ config: run.config, base: base ?? undefined, baseFile: run.baseFile ?? undefined, start: true });
  }

  /** The run's base model: the file chosen at launch, else the default base of its task and preset. */
  async baseModel(id: string): Promise<ArrayBuffer | null> {
    const run = this.run(id);
    if (!run) return null;
    const chosen = run.hasBase && this.db ? await this.db.getBlob(id, 'base') : null;
    return chosen ?? fetchDefaultBase(run.config);
  }

  /** The latest policy: from the live worker, else the one saved when the run ended. */
  async checkpoint(id: string): Promise<ArrayBuffer | null> {
    const live = this.live.get(id);
    if (live) return live.api.checkpoint();
    return this.db ? this.db.getBlob(id, 'checkpoint') : null;
  }
}

/** The shipped base model of a task and preset, or null when the page has none. */
export async function fetchDefaultBase(config: RunConfig): Promise<ArrayBuffer | null> {
  const response = await fetch(new URL(defaultBasePath(config), document.baseURI).href).catch(() => null);
  return response?.ok ? response.arrayBuffer() : null;
}
