// A run leaves the lab as JSON (config + every metric row + its latest
// rollouts) or as CSV (metrics only), and comes back in from the same JSON.

import { parseEntries } from '../config/schema';
import { type RunConfig, runConfigIssues, runSchema } from '../rl/config';
import type { EvalRow, MetricsRow, RolloutGroup } from '../rl/types';
import { TRAIN_KEYS, splitRows, validateRows } from './rows';
import { cleanRunName } from './run-name';

export const RUN_FILE_FORMAT = 'rlvr-lab/run';
export const RUN_FILE_VERSION = 1;
const MAX_RUN_FILE_BYTES = 64 * 1024 * 1024;

export interface RunFile {
  format: typeof RUN_FILE_FORMAT;
  version: number;
  name: string;
  config: RunConfig;
  rows: MetricsRow[];
  rollouts: RolloutGroup | null;
}

export function runToJson(run: { name: string; config: RunConfig; rows: readonly MetricsRow[]; rollouts: RolloutGroup | null }): string {
  const file: RunFile = { format: RUN_FILE_FORMAT, version: RUN_FILE_VERSION, name: run.name, config: run.config, rows: [...run.rows], rollouts: run.rollouts };
  return JSON.stringify(file);
}

export type ImportResult = { ok: true; run: Omit<RunFile, 'format' | 'version'>; warnings: string[] } | { ok: false; errors: string[] };

function rolloutsLookValid(r: unknown): r is RolloutGroup {
  if (typeof r !== 'object' || r === null) return false;
  const g = r as RolloutGroup;
  return typeof g.step === 'number' && typeof g.prompt === 'string' && Array.isArray(g.completions) && g.completions.every((c) => typeof c === 'object' && c !== null && Array.isArray(c.tokens) && Array.isArray(c.entropy) && Array.isArray(c.kept) && typeof c.reward === 'number' && typeof c.advantage === 'number');
}

/**
 * Reads a run file. The file is refused (with reasons) when it is not JSON,
 * not a run file, or has no usable rows; bad settings keep their defaults and
 * bad rows are dropped, each reported as a warning naming the key or row.
 */
export function parseRunJson(text: string): ImportResult {
  if (text.length > MAX_RUN_FILE_BYTES) return { ok: false, errors: [`The file is larger than ${MAX_RUN_FILE_BYTES / 1024 / 1024} MiB.`] };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, errors: [`The file is not JSON: ${(e as Error).message}`] };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, errors: ['The file is not a run export (expected a JSON object).'] };
  const f = raw as Record<string, unknown>;
  if (f.format !== RUN_FILE_FORMAT) return { ok: false, errors: [`The file is not a run export ("format" should be "${RUN_FILE_FORMAT}").`] };
  if (f.version !== RUN_FILE_VERSION) return { ok: false, errors: [`Run file version ${JSON.stringify(f.version)} is not supported (this lab reads version ${RUN_FILE_VERSION}).`] };
  if (typeof f.config !== 'object' || f.config === null) return { ok: false, errors: ['The run file has no "config" object.'] };
  const warnings: string[] = [];
  const parsed = parseEntries(runSchema, Object.entries(f.config));
  for (const e of parsed.errors) warnings.push(`config "${e.key}": ${e.message}; the default was kept`);
  for (const e of runConfigIssues(parsed.values)) warnings.push(`config "${e.key}": ${e.message}`);
  const rows = validateRows(f.rows);
  if (rows.rows.length === 0 && rows.errors.length > 0) return { ok: false, errors: rows.errors };
  warnings.push(...rows.errors);
  let rollouts: RolloutGroup | null = null;
  if (f.rollouts != null) {
    if (rolloutsLookValid(f.rollouts)) rollouts = f.rollouts;
    else warnings.push('"rollouts" is malformed and was dropped');
  }
  const name = (typeof f.name === 'string' && cleanRunName(f.name)) || 'imported run';
  return { ok: true, run: { name, config: parsed.values, rows: rows.rows, rollouts }, warnings };
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function evalColumns(evals: readonly EvalRow[]): { ks: number[]; distinctN: number } {
  const ks = [...new Set(evals.flatMap((e) => e.passAtK.map((p) => p.k)))].sort((a, b) => a - b);
  const distinctN = Math.max(0, ...evals.map((e) => e.distinctN.length));
  return { ks, distinctN };
}

/** One row per logged row, train and eval interleaved by step; cells a row does not have are empty. */
export function metricsCsv(rows: readonly MetricsRow[]): string {
  const { evals } = splitRows(rows);
  const { ks, distinctN } = evalColumns(evals);
  const trainCols = TRAIN_KEYS.filter((k) => k !== 'step');
  const evalCols = ['prompts', 'samples', ...ks.map((k) => `pass@${k}`), 'distinctCorrect', 'coverage', 'distinctAnswers', ...Array.from({ length: distinctN }, (_, i) => `distinct${i + 1}`), 'evalEntropy', 'evalWellFormed'];
  const header = ['kind', 'step', ...trainCols, ...evalCols];
  const lines = [header.join(',')];
  // An evaluation at step s measures the policy after training step s, so it follows that step's row.
  const sorted = [...rows].sort((a, b) => a.step - b.step || (a.kind === b.kind ? 0 : a.kind === 'train' ? -1 : 1));
  for (const r of sorted) {
    const cells: unknown[] = [r.kind, r.step];
    if (r.kind === 'train') {
      cells.push(...trainCols.map((k) => r[k]), ...evalCols.map(() => null));
    } else {
      const pk = new Map(r.passAtK.map((p) => [p.k, p.value]));
      cells.push(...trainCols.map(() => null), r.prompts, r.samples, ...ks.map((k) => pk.get(k)), r.distinctCorrect, r.coverage, r.distinctAnswers, ...Array.from({ length: distinctN }, (_, i) => r.distinctN[i]), r.entropy, r.wellFormed);
    }
    lines.push(cells.map(csvCell).join(','));
  }
  return lines.join('\n') + '\n';
}

/** File names from run names: letters, digits, dashes. */
export function fileSlug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'run';
}
