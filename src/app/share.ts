// Share links. The URL hash carries every run's configuration (seed included)
// as `#run=<query>&run=<query>…`, each query being `toQuery(runSchema, config)`
// (only the settings that differ from the defaults). A results link adds the
// recorded curves, compressed: `#results=<base64url(deflate-raw(JSON))>`.
// Both end in `&check=<CRC-32 of the payload>`, so a character changed on the
// way is refused instead of loading altered values. Links made before checks
// existed still open, under an "unverified" warning. A hash of bare settings
// (`#task=paths&algo=rover&seed=2`, TensorFlow-Playground style) fills the
// launcher; the lab keeps the address bar in that form as the launcher changes.
// Parsing is lenient like the settings schema: unknown keys are ignored, bad
// values keep their default and are reported by key; a payload that holds no
// readable settings at all is named and refused, never replaced by defaults.

import { type ParseResult, fromQuery, toQuery } from '../config/schema';
import { type RunConfig, type RunSchema, runConfigIssues, runSchema } from '../rl/config';
import type { EvalRow, MetricsRow, TrainRow } from '../rl/types';
import { deflateToBase64Url, inflateFromBase64Url, roundSignificant } from './compress';
import { TRAIN_FIELDS, TRAIN_KEYS, splitRows, thin, validateRows } from './rows';
import { cleanRunName } from './run-name';
import { crc32 } from '../util/crc32';

export const MAX_SHARED_RUNS = 12;
/** Every setting written out takes well under 1000 characters; anything far longer is not a run's settings. */
export const MAX_RUN_QUERY_LENGTH = 4096;
export const CHECK_KEY = 'check';
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
  /** `settings`: bare launcher settings (runs[0] holds them); `refused`: failed its integrity check, nothing loaded. */
  kind: 'none' | 'config' | 'results' | 'settings' | 'refused';
  runs: SharedRun[];
  /** One readable line per refused value or damaged part, naming the run and the key. */
  issues: string[];
  /** A run or results link without an integrity check (made before links had one, or edited by hand). */
  unverified: boolean;
}

export interface ShareableRun {
  name: string;
  config: RunConfig;
  rows: readonly MetricsRow[];
}

/**
 * The integrity check of a link: CRC-32 (IEEE) of the payload's UTF-8 bytes as
 * 8 hex digits. It catches every change of one character (any burst of up to
 * 32 bits) and needs no secure context, unlike crypto.subtle. The payload is
 * the `results` value, or the `run` values joined by newlines, as decoded.
 */
export function payloadCheck(payload: string): string {
  return crc32(new TextEncoder().encode(payload)).toString(16).padStart(8, '0');
}

export function configHash(configs: readonly RunConfig[]): string {
  const params = new URLSearchParams();
  for (const c of configs) params.append('run', toQuery(runSchema, c));
  params.set(CHECK_KEY, payloadCheck(params.getAll('run').join('\n')));
  return '#' + params.toString();
}

/** The launcher's settings as a readable hash (`#task=paths&seed=2`, only what differs from the defaults); '' for all defaults. */
export function settingsHash(config: RunConfig): string {
  const query = toQuery(runSchema, config);
  return query ? '#' + query : '';
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
  const payload = await deflateToBase64Url(JSON.stringify({ v: RESULTS_VERSION, cols: TRAIN_KEYS, runs: packed }));
  return `#results=${payload}&${CHECK_KEY}=${payloadCheck(payload)}`;
}

const shortQuote = (text: string, max = 24) => JSON.stringify(text.length > max ? text.slice(0, max) + '…' : text);
const sizeText = (chars: number) => (chars < 10_000 ? `${chars} characters` : `${(chars / 1024).toFixed(1)} KB`);

export type RunQuery = { ok: true; parsed: ParseResult<RunSchema> } | { ok: false; reason: string };

/**
 * Reads one run's settings (`key=value&…`) with the schema. Refuses, with the
 * reason, a query that cannot be anyone's settings: far too long, broken
 * percent-encoding, or not one key the schema knows (an empty query is the
 * all-defaults run and reads fine).
 */
export function readRunQuery(query: string): RunQuery {
  if (query.length > MAX_RUN_QUERY_LENGTH) return { ok: false, reason: `${sizeText(query.length)} long, more than any run's settings take (at most ${MAX_RUN_QUERY_LENGTH} characters)` };
  if (query.includes('\uFFFD')) return { ok: false, reason: `broken percent-encoding in ${shortQuote(query)}` };
  const parsed = fromQuery(runSchema, query);
  const known = [...new URLSearchParams(query).keys()].length - parsed.unknown.length;
  if (parsed.unknown.length > 0 && known === 0) return { ok: false, reason: `no setting this lab knows (${parsed.unknown.slice(0, 3).map((k) => shortQuote(k)).join(', ')})` };
  return { ok: true, parsed };
}

function parseConfig(query: string, label: string, issues: string[]): RunConfig | null {
  const read = readRunQuery(query);
  if (!read.ok) {
    issues.push(`${label}: its settings are unreadable: ${read.reason}; nothing was loaded from it`);
    return null;
  }
  for (const e of read.parsed.errors) issues.push(`${label}: "${e.key}" ${e.message}; the default was kept`);
  for (const e of runConfigIssues(read.parsed.values)) issues.push(`${label}: "${e.key}" ${e.message}`);
  return read.parsed.values;
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
    if (!config) continue;
    const rows = validateRows([...unpackTrain(r.train ?? []), ...(Array.isArray(r.evals) ? r.evals : [r.evals])]);
    for (const e of rows.errors) issues.push(`${label}: ${e}`);
    runs.push({ name: (typeof r.name === 'string' && cleanRunName(r.name)) || undefined, config, rows: rows.rows });
  }
  if (p.runs.length > MAX_SHARED_RUNS) issues.push(`The link holds ${p.runs.length} runs; only the first ${MAX_SHARED_RUNS} were loaded.`);
  return runs;
}

/** Bare settings in the hash fill the launcher; a hash without one known key holds nothing for the lab. */
function parseSettings(hash: string): ParsedLink {
  const issues: string[] = [];
  const parsed = fromQuery(runSchema, hash);
  const known = [...new URLSearchParams(hash.replace(/^#/, '')).keys()].filter((k) => Object.hasOwn(runSchema, k));
  if (known.length === 0) return { kind: 'none', runs: [], issues, unverified: false };
  for (const e of parsed.errors) issues.push(`"${e.key}" ${e.message}; the default was kept`);
  for (const e of runConfigIssues(parsed.values)) issues.push(`"${e.key}" ${e.message}`);
  return { kind: 'settings', runs: [{ config: parsed.values, rows: [] }], issues, unverified: false };
}

export async function parseShareHash(hash: string): Promise<ParsedLink> {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const issues: string[] = [];
  const results = params.get('results');
  const queries = params.getAll('run');
  if (results === null && queries.length === 0) return parseSettings(hash);
  const check = params.get(CHECK_KEY);
  if (check !== null) {
    const actual = payloadCheck(results ?? queries.join('\n'));
    if (check.toLowerCase() !== actual) {
      const what = results !== null ? 'results' : 'run settings';
      issues.push(`Its ${what} do not match the check the link carries (check=${shortQuote(check, 12)}, the contents give ${actual}): the link was altered or cut short after it was made. Nothing was loaded from it.`);
      return { kind: 'refused', runs: [], issues, unverified: false };
    }
  }
  const unverified = check === null;
  if (results !== null) return { kind: 'results', runs: await parseResults(results, issues), issues, unverified };
  if (queries.length > MAX_SHARED_RUNS) issues.push(`The link holds ${queries.length} runs; only the first ${MAX_SHARED_RUNS} were loaded.`);
  const runs: SharedRun[] = [];
  queries.slice(0, MAX_SHARED_RUNS).forEach((q, i) => {
    const config = parseConfig(q, `Run ${i + 1}`, issues);
    if (config) runs.push({ config, rows: [] });
  });
  return { kind: 'config', runs, issues, unverified };
}
