// Turns runs into the flat tables the charts draw: one object per step holding
// every run's value under its own key, so the tooltip lists all runs at a step.

import { yAxis } from '../metrics/axis';
import { passAtKOf } from '../metrics/passk';
import { type Collapse, firstCollapse } from '../rl/health';
import type { EvalRow, TrainRow } from '../rl/types';
import { ALGORITHM_COLORS, BASE_COLOR, algorithmOf, dashFor } from './colors';
import { thin } from './rows';
import type { LabRun } from './store';

export interface Series {
  key: string;
  name: string;
  color: string;
  dash?: string;
}

/** A vertical line at a step: where a run collapsed. */
export interface Marker {
  x: number;
  color: string;
  label: string;
}

export interface ChartTable {
  rows: Record<string, number | null>[];
  series: Series[];
  y: { domain: [number, number]; ticks: number[] };
  markers: Marker[];
}

interface Part<R> {
  label?: string;
  get(row: R, k: number): number | null;
}

/** Rates live in [0, 1] and are drawn on that whole range, so runs and charts compare at a glance. */
export const RATE: [number, number] = [0, 1];

export type MetricDef = { id: string; title: (k: number) => string; help: string; digits?: number; fixedY?: [number, number] } & ({ source: 'train'; parts: Part<TrainRow>[] } | { source: 'eval'; parts: Part<EvalRow>[] });

export const passAt = (row: EvalRow, k: number) => passAtKOf(row.passAtK, k) ?? null;

export const METRICS: MetricDef[] = [
  { id: 'reward', title: () => 'Reward (mean)', help: 'Mean verifiable reward of the step’s sampled completions', fixedY: RATE, source: 'train', parts: [{ get: (r) => r.rewardMean }] },
  { id: 'pass1', title: () => 'pass@1 (training samples)', help: 'Fraction of the step’s sampled completions that are correct', fixedY: RATE, source: 'train', parts: [{ get: (r) => r.pass1 }] },
  { id: 'passk', title: (k) => `pass@${k} (held-out)`, help: 'Unbiased pass@k on held-out prompts at each evaluation', fixedY: RATE, source: 'eval', parts: [{ get: passAt }] },
  { id: 'entropy', title: () => 'Token entropy (nats)', help: 'Mean entropy of π over the sampled completion tokens', source: 'train', parts: [{ get: (r) => r.entropy }] },
  { id: 'wellFormed', title: () => 'Well-formed completions', help: 'Share of the step’s completions in the task’s answer form, right or wrong: rising entropy with a falling share is probability leaking onto garbage, not diversity', fixedY: RATE, source: 'train', parts: [{ get: (r) => r.wellFormed }] },
  { id: 'distinct', title: () => 'Distinct correct solutions', help: 'Mean number of different correct completions per held-out prompt', source: 'eval', parts: [{ get: (r) => r.distinctCorrect }] },
  { id: 'kl', title: () => 'KL to base', help: 'Mean k3 estimate of KL(π ‖ π_base) over sampled tokens', source: 'train', parts: [{ get: (r) => r.kl }] },
  {
    id: 'varA',
    title: () => 'Var(A) before → after down-sampling',
    help: 'D³S: advantage variance over all rollouts (solid) and over the rollouts kept for the loss (dashed)',
    source: 'train',
    parts: [
      { label: 'before', get: (r) => r.varABefore },
      { label: 'after', get: (r) => r.varAAfter },
    ],
  },
  { id: 'tokensKept', title: () => 'Tokens kept', help: 'Completion tokens that entered the loss this step (D³S keeps fewer)', source: 'train', parts: [{ get: (r) => r.tokensKept }] },
  { id: 'throughput', title: () => 'Throughput (tokens/s)', help: 'Completion tokens sampled and trained on per second', source: 'train', digits: 0, parts: [{ get: (r) => r.tokensPerSec }] },
];

/** Colour per algorithm; the n-th run of one algorithm gets the n-th dash pattern. */
export function runStyles(runs: readonly LabRun[]): Map<string, { color: string; dash?: string }> {
  const seen = new Map<string, number>();
  const out = new Map<string, { color: string; dash?: string }>();
  for (const r of runs) {
    const algo = algorithmOf(r.config);
    const n = seen.get(algo) ?? 0;
    seen.set(algo, n + 1);
    out.set(r.id, { color: ALGORITHM_COLORS[algo], dash: dashFor(n) });
  }
  return out;
}

const collapses = new WeakMap<readonly TrainRow[], Collapse | null>();

/** The run's first collapsed step (remembered per rows array, which is replaced, never mutated). */
export function runCollapse(run: Pick<LabRun, 'train'>): Collapse | null {
  let c = collapses.get(run.train);
  if (c === undefined) collapses.set(run.train, (c = firstCollapse(run.train)));
  return c;
}

/** The y axis for the finite values seen (a fixed range wins). */
function axisOf(min: number, max: number, fixed?: [number, number]): ChartTable['y'] {
  return min <= max ? yAxis(min, max, fixed) : yAxis(0, 1, fixed);
}

export function metricTable(runs: readonly LabRun[], metric: MetricDef, k: number, maxPoints = 200): ChartTable {
  const styles = runStyles(runs);
  const byStep = new Map<number, Record<string, number | null>>();
  const series: Series[] = [];
  const markers: Marker[] = [];
  let min = Infinity, max = -Infinity;
  for (const run of runs) {
    const style = styles.get(run.id)!;
    const rows = thin<TrainRow | EvalRow>(metric.source === 'train' ? run.train : run.evals, maxPoints);
    metric.parts.forEach((part, p) => {
      const key = `${run.id}#${p}`;
      let any = false;
      for (const row of rows) {
        const v = (part.get as (r: TrainRow | EvalRow, k: number) => number | null)(row, k);
        if (v === null || !Number.isFinite(v)) continue;
        any = true;
        if (v < min) min = v;
        if (v > max) max = v;
        let at = byStep.get(row.step);
        if (!at) byStep.set(row.step, (at = { step: row.step }));
        at[key] = v;
      }
      if (any) series.push({ key, name: part.label ? `${run.name} (${part.label})` : run.name, color: style.color, dash: p > 0 ? '5 4' : style.dash });
    });
    const collapse = metric.source === 'train' ? runCollapse(run) : null;
    if (collapse) markers.push({ x: collapse.step, color: style.color, label: `${run.name} collapsed at step ${collapse.step}` });
  }
  return { rows: [...byStep.values()].sort((a, b) => a.step! - b.step!), series, y: axisOf(min, max, metric.fixedY), markers };
}

/** pass@k against k: the base model (step-0 evaluation) and each run at its latest evaluation. */
export function passAtKTable(runs: readonly LabRun[]): ChartTable & { ks: number[] } {
  const styles = runStyles(runs);
  const byK = new Map<number, Record<string, number | null>>();
  const series: Series[] = [];
  const put = (key: string, row: EvalRow) => {
    for (const p of row.passAtK) {
      let at = byK.get(p.k);
      if (!at) byK.set(p.k, (at = { k: p.k }));
      at[key] = p.value;
    }
  };
  const bases = new Map<string, EvalRow>();
  for (const run of runs) {
    const first = run.evals[0];
    const id = `${run.config.task} · ${run.config.preset} · seed ${run.config.seed}`;
    if (first?.step === 0 && !bases.has(id)) bases.set(id, first);
  }
  [...bases].forEach(([id, row], i) => {
    const key = `base#${i}`;
    put(key, row);
    series.push({ key, name: bases.size === 1 ? 'base model' : `base model (${id})`, color: BASE_COLOR, dash: dashFor(i + 1) });
  });
  for (const run of runs) {
    const latest = run.evals.at(-1);
    if (!latest || latest.step === 0) continue;
    put(run.id, latest);
    const style = styles.get(run.id)!;
    series.push({ key: run.id, name: `${run.name} @ step ${latest.step}`, color: style.color, dash: style.dash });
  }
  const rows = [...byK.values()].sort((a, b) => a.k! - b.k!);
  return { rows, series, ks: rows.map((r) => r.k!), y: axisOf(0, 1, RATE), markers: [] };
}

/**
 * Distinct correct solutions against held-out pass@1, one curve per run through
 * its evaluations in step order (the first point is the base): sharpening runs
 * right and down, a policy that stays broad runs right and level. Rows follow
 * the runs one after another, so each line joins only its own points.
 */
export function diversityTable(runs: readonly LabRun[]): ChartTable {
  const styles = runStyles(runs);
  const rows: Record<string, number | null>[] = [];
  const series: Series[] = [];
  let max = 0;
  for (const run of runs) {
    let any = false;
    for (const e of run.evals) {
      const x = passAt(e, 1);
      if (x === null || !Number.isFinite(e.distinctCorrect)) continue;
      rows.push({ pass1: x, step: e.step, [run.id]: e.distinctCorrect });
      max = Math.max(max, e.distinctCorrect);
      any = true;
    }
    if (any) series.push({ key: run.id, name: run.name, ...styles.get(run.id)! });
  }
  return { rows, series, y: axisOf(0, Math.max(1, max)), markers: [] };
}

/** diversityTable, unchanged until an evaluation or a name changes. */
export function cachedDiversityTable(runs: readonly LabRun[]): ChartTable {
  return cached('distinct against pass@1', runs.flatMap((r) => [r.id, r.name, r.config.algo, r.evals]), () => diversityTable(runs));
}

const tableCache = new Map<string, { deps: unknown[]; table: unknown }>();

/** The table computed last time for `id` when its inputs are the same objects; else a fresh one. */
function cached<T>(id: string, deps: unknown[], compute: () => T): T {
  const hit = tableCache.get(id);
  if (hit && hit.deps.length === deps.length && hit.deps.every((d, i) => d === deps[i])) return hit.table as T;
  const table = compute();
  tableCache.set(id, { deps, table });
  return table;
}

/**
 * metricTable, but the same table object as last time when nothing it reads
 * has changed: charts fed from evaluations then skip the redraw after every
 * training step. Rows arrays are replaced, never mutated, so identity is enough.
 */
export function cachedMetricTable(runs: readonly LabRun[], metric: MetricDef, k: number): ChartTable {
  const deps: unknown[] = [k, ...runs.flatMap((r) => [r.id, r.name, r.config.algo, metric.source === 'train' ? r.train : r.evals])];
  return cached(metric.id, deps, () => metricTable(runs, metric, k));
}

/** passAtKTable, unchanged (the same object) until an evaluation, a name or a setting changes. */
export function cachedPassAtKTable(runs: readonly LabRun[]): ReturnType<typeof passAtKTable> {
  return cached('pass@k against k', runs.flatMap((r) => [r.id, r.name, r.config, r.evals]), () => passAtKTable(runs));
}
