// Share links. The URL hash carries every run's configuration (seed included)
// as `#run=<query>&run=<query>…`, each query being `toQuery(runSchema, config)`
// (only the settings that differ from the defaults). A results link adds the
// recorded curves, compressed: `#results=<base64url(deflate-raw(JSON))>`.
// Parsing is lenient like the settings schema: unknown keys are ignored, bad
// values keep their default and are reported by key.

import { fromQuery, toQuery } from '../config/schema';
import { type RunConfig, runConfigIssues, runSchema } from '../rl/config';
import type { EvalRow, MetricsRow, TrainRow } from '../rl/types';
import { deflateToBase64Url, inflateFromBase64Url, roundSignificant } from './compress';
import { TRAIN_FIELDS, TRAIN_KEYS, splitRows, thin, validateRows } from './rows';

export const MAX_SHARED_RUNS = 12;
/** Training rows per run in a results link; longer runs are thinned evenly (the last step is always kept). */
export const MAX_SHARED_TRAIN_ROWS = 300;
const RESULTS_VERSION = 1;

export interface SharedRun {
  name?: string;
  config: RunConfig;
  /** Empty for a configuration-only link. */
  rows: MetricsRow[];
}

export interface ParsedLink {
  kind: 'none' | 'config' | 'results';
  runs: SharedRun[];
  /** One readable line per refused value or damaged part, naming the run and the key. */
  issues: string[];
}

export interface ShareableRun {
  name: string;
  config: RunConfig;
  rows: readonly MetricsRow[];
}

export function configHash(configs: readonly RunConfig[]): string {
  const params = new URLSearchParams();
  for (const c of configs) params.append('run', toQuery(runSchema, c));
  return '#' + params.toString();
}

/** Train rows as columns in TRAIN_KEYS order, rounded: the bulk of a results link. */
interface PackedRun {
  name?: string;
  q: string;
  train: (number | null)[][];
  evals: EvalRow[];
}

function packTrain(rows: readonly TrainRow[]): (number | null)[][] {
  // Steps stay exact: they key the curves and the resumption point.
  return rows.map((r) => TRAIN_KEYS.map((k) => (r[k] === null ? null : k === 'step' ? r.step : roundSignificant(r[k] as number))));
}

function unpackTrain(data: unknown): unknown[] {
  if (!Array.isArray(data)) return [data];
  return data.map((cells) => {
    if (!Array.isArray(cells)) return cells;
    const row: Record<string, unknown> = { kind: 'train' };
    TRAIN_KEYS.forEach((k, i) => (row[k] = cells[i]));
    return row;
  });
}

export async function resultsHash(runs: readonly ShareableRun[]): Promise<string> {
  const packed: PackedRun[] = runs.map((r) => {
    const { train, evals } = splitRows(r.rows);
    const roundedEvals = evals.map((e) => ({ ...e, passAtK: e.passAtK.map((p) => ({ k: p.k, value: roundSignificant(p.value) })) }));
    return { name: r.name, q: toQuery(runSchema, r.config), train: packTrain(thin(train, MAX_SHARED_TRAIN_ROWS)), evals: roundedEvals };
  });
  const payload = JSON.stringify({ v: RESULTS_VERSION, cols: TRAIN_KEYS, runs: packed });
  return '#results=' + (await deflateToBase64Url(payload));
}

function parseConfig(query: string, label: string, issues: string[]): RunConfig {
  const parsed = fromQuery(runSchema, query);
  for (const e of parsed.errors) issues.push(`${label}: "${e.key}" ${e.message}; the default was kept`);
  for (const e of runConfigIssues(parsed.values)) issues.push(`${label}: "${e.key}" ${e.message}`);
  return parsed.values;
}

async function parseResults(encoded: string, issues: string[]): Promise<SharedRun[]> {
  let payload: unknown;
  try {
    payload = JSON.parse(await inflateFromBase64Url(encoded));
  } catch (e) {
    issues.push(`The results in this link are damaged (${(e as Error).message || 'cannot be decoded'}); nothing was loaded from them.`);
    return [];
  }
  const p = payload as { v?: unknown; cols?: unknown; runs?: unknown };
  if (typeof p !== 'object' || p === null || p.v !== RESULTS_VERSION || !Array.isArray(p.runs)) {
    issues.push('The results in this link are not in a format this lab reads; nothing was loaded from them.');
    return [];
  }
  // Columns added since a link was made are missing from its end; they are all nullable ("not measured").
  const cols = Array.isArray(p.cols) ? p.cols : [];
  const readable = cols.every((c, i) => c === TRAIN_KEYS[i]) && TRAIN_KEYS.slice(cols.length).every((k) => TRAIN_FIELDS[k] === 'nullable');
  if (!readable) {
    issues.push('The results in this link were recorded with different metric columns; nothing was loaded from them.');
    return [];
  }
  const runs: SharedRun[] = [];
  for (const [i, raw] of p.runs.slice(0, MAX_SHARED_RUNS).entries()) {
    const r = raw as Partial<PackedRun>;
    const label = `Run ${i + 1}`;
    if (typeof r !== 'object' || r === null || typeof r.q !== 'string') {
      issues.push(`${label}: has no configuration; skipped`);
      continue;
    }
    const config = parseConfig(r.q, label, issues);
    const rows = validateRows([...unpackTrain(r.train ?? []), ...(Array.isArray(r.evals) ? r.evals : [r.evals])]);
    for (const e of rows.errors) issues.push(`${label}: ${e}`);
    runs.push({ name: typeof r.name === 'string' ? r.name.slice(0, 80) : undefined, config, rows: rows.rows });
  }
  if (p.runs.length > MAX_SHARED_RUNS) issues.push(`The link holds ${p.runs.length} runs; only the first ${MAX_SHARED_RUNS} were loaded.`);
  return runs;
}

export async function parseShareHash(hash: string): Promise<ParsedLink> {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const issues: string[] = [];
  const results = params.get('results');
  if (results !== null) return { kind: 'results', runs: await parseResults(results, issues), issues };
  const queries = params.getAll('run');
  if (queries.length === 0) return { kind: 'none', runs: [], issues };
  if (queries.length > MAX_SHARED_RUNS) issues.push(`The link holds ${queries.length} runs; only the first ${MAX_SHARED_RUNS} were loaded.`);
  const runs = queries.slice(0, MAX_SHARED_RUNS).map((q, i) => ({ config: parseConfig(q, `Run ${i + 1}`, issues), rows: [] }));
  return { kind: 'config', runs, issues };
}
