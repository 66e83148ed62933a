// Validation of metric rows that come from outside the engine: imported run
// files and results links. Every refusal names the row and the field.

import type { EvalRow, MetricsRow, TrainRow } from '../rl/types';

type FieldKind = 'number' | 'nullable';

export const TRAIN_FIELDS: Record<Exclude<keyof TrainRow, 'kind'>, FieldKind> = {
  step: 'number',
  loss: 'number',
  rewardMean: 'number',
  rewardStd: 'number',
  fracRewardZeroStd: 'number',
  pass1: 'number',
  entropy: 'number',
  kl: 'nullable',
  clipLow: 'nullable',
  clipHigh: 'nullable',
  varABefore: 'nullable',
  varAAfter: 'nullable',
  samplesKept: 'number',
  tokensKept: 'number',
  tokensUsed: 'number',
  completionLength: 'number',
  gradNorm: 'number',
  tokensPerSec: 'number',
  stepMs: 'number',
  // Added later, so last: results links made before them still read (their columns are a prefix).
  fracGroupsIdentical: 'nullable',
  updateRows: 'nullable',
  updateTokens: 'nullable',
  qMean: 'nullable',
  qAbsMean: 'nullable',
  targetMean: 'nullable',
  vNextMean: 'nullable',
  wellFormed: 'nullable',
};

export const TRAIN_KEYS = Object.keys(TRAIN_FIELDS) as (keyof typeof TRAIN_FIELDS)[];

const EVAL_NUMBERS = ['step', 'prompts', 'samples', 'distinctCorrect', 'distinctAnswers', 'entropy'] as const;

export const MAX_ROWS = 200_000;

export interface RowsResult {
  rows: MetricsRow[];
  errors: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkTrain(raw: Record<string, unknown>, where: string, errors: string[]): TrainRow | null {
  const row: Record<string, unknown> = { kind: 'train' };
  for (const key of TRAIN_KEYS) {
    const v = raw[key];
    // JSON has no NaN or Infinity; a missing nullable field just means "not measured".
    if (TRAIN_FIELDS[key] === 'nullable' && (v === null || v === undefined)) row[key] = null;
    else if (typeof v === 'number') row[key] = v;
    else {
      errors.push(`${where}: "${key}" should be a number, got ${JSON.stringify(v) ?? 'nothing'}`);
      return null;
    }
  }
  return row as unknown as TrainRow;
}

function checkEval(raw: Record<string, unknown>, where: string, errors: string[]): EvalRow | null {
  for (const key of EVAL_NUMBERS) {
    if (typeof raw[key] !== 'number') {
      errors.push(`${where}: "${key}" should be a number, got ${JSON.stringify(raw[key]) ?? 'nothing'}`);
      return null;
    }
  }
  const passAtK = raw.passAtK;
  if (!Array.isArray(passAtK) || !passAtK.every((p) => isObject(p) && typeof p.k === 'number' && p.k >= 1 && typeof p.value === 'number')) {
    errors.push(`${where}: "passAtK" should be a list of { k, value } with k ≥ 1`);
    return null;
  }
  const coverage = raw.coverage ?? null;
  if (coverage !== null && typeof coverage !== 'number') {
    errors.push(`${where}: "coverage" should be a number or null`);
    return null;
  }
  const wellFormed = raw.wellFormed ?? null;
  if (wellFormed !== null && (typeof wellFormed !== 'number' || !(wellFormed >= 0 && wellFormed <= 1))) {
    errors.push(`${where}: "wellFormed" should be a share in [0, 1] or null`);
    return null;
  }
  const distinctN = raw.distinctN ?? [];
  if (!Array.isArray(distinctN) || !distinctN.every((x) => typeof x === 'number')) {
    errors.push(`${where}: "distinctN" should be a list of numbers`);
    return null;
  }
  return {
    kind: 'eval',
    step: raw.step as number,
    prompts: raw.prompts as number,
    samples: raw.samples as number,
    passAtK: passAtK.map((p: { k: number; value: number }) => ({ k: p.k, value: p.value })),
    distinctCorrect: raw.distinctCorrect as number,
    coverage,
    distinctAnswers: raw.distinctAnswers as number,
    distinctN: distinctN as number[],
    entropy: raw.entropy as number,
    wellFormed,
  };
}

/** Keeps the valid rows and reports each invalid one (at most a handful of messages). */
export function validateRows(raw: unknown): RowsResult {
  const errors: string[] = [];
  if (!Array.isArray(raw)) return { rows: [], errors: ['"rows" should be a list of metric rows'] };
  if (raw.length > MAX_ROWS) return { rows: [], errors: [`too many rows (${raw.length}; at most ${MAX_ROWS})`] };
  const rows: MetricsRow[] = [];
  raw.forEach((r, i) => {
    const where = `row ${i + 1}`;
    if (!isObject(r)) errors.push(`${where}: not an object`);
    else if (typeof r.step !== 'number' || !Number.isInteger(r.step) || r.step < 0) errors.push(`${where}: "step" should be a whole number ≥ 0`);
    else if (r.kind === 'train') {
      const row = checkTrain(r, where, errors);
      if (row) rows.push(row);
    } else if (r.kind === 'eval') {
      const row = checkEval(r, where, errors);
      if (row) rows.push(row);
    } else errors.push(`${where}: "kind" should be "train" or "eval", got ${JSON.stringify(r.kind) ?? 'nothing'}`);
  });
  const shown = errors.slice(0, 5);
  if (errors.length > shown.length) shown.push(`…and ${errors.length - shown.length} more`);
  return { rows, errors: shown };
}

export function splitRows(rows: readonly MetricsRow[]): { train: TrainRow[]; evals: EvalRow[] } {
  const train: TrainRow[] = [];
  const evals: EvalRow[] = [];
  for (const r of rows) (r.kind === 'train' ? train : evals).push(r as never);
  return { train, evals };
}

/** Every `stride`-th row and always the last one: long runs stay cheap to draw and to share. */
export function thin<R>(rows: readonly R[], maxPoints: number): readonly R[] {
  if (rows.length <= maxPoints) return rows;
  const stride = Math.ceil(rows.length / maxPoints);
  return rows.filter((_, i) => i % stride === 0 || i === rows.length - 1);
}
