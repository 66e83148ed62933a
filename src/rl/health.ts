// Is a run still healthy? Two checks on each training row:
// - non-finite numbers (NaN, ±Inf) in the loss, gradients or parameters: the
//   run cannot recover, so it stops, with the step and the setting most likely
//   responsible;
// - collapse (the policy has become deterministic): flagged, the run goes on.

import { type RunConfig, runSchema } from './config';
import type { TrainRow } from './types';

/**
 * Share of groups whose completions are all the same text. `texts` holds the
 * step's completions group after group, `groupSize` each.
 */
export function fracGroupsIdentical(texts: readonly string[], groupSize: number): number {
  if (groupSize < 1 || texts.length === 0 || texts.length % groupSize !== 0) {
    throw new Error(`fracGroupsIdentical: ${texts.length} completions do not split into groups of ${groupSize}`);
  }
  const groups = texts.length / groupSize;
  let identical = 0;
  for (let g = 0; g < groups; g++) {
    const first = texts[g * groupSize];
    let same = true;
    for (let i = 1; i < groupSize && same; i++) same = texts[g * groupSize + i] === first;
    if (same) identical++;
  }
  return identical / groups;
}

/** Below this mean token entropy (nats) the policy samples almost deterministically. */
export const COLLAPSE_ENTROPY_FLOOR = 0.01;

/** Two significant digits, in exponent form when tiny ("3.0e-5"). */
const short = (v: number) => (v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(1) : String(Number(v.toPrecision(2))));

/** Why this step counts as collapsed, or null if it does not. */
export function collapseReason(row: TrainRow): string | null {
  const reasons: string[] = [];
  if (row.entropy < COLLAPSE_ENTROPY_FLOOR) reasons.push(`token entropy ${short(row.entropy)} nats is below ${COLLAPSE_ENTROPY_FLOOR}`);
  if (row.fracGroupsIdentical === 1) reasons.push('every group’s completions are identical');
  return reasons.length > 0 ? reasons.join('; ') : null;
}

export interface Collapse {
  step: number;
  reason: string;
}

/** The first collapsed step of a run, if any. */
export function firstCollapse(rows: readonly TrainRow[]): Collapse | null {
  for (const row of rows) {
    const reason = collapseReason(row);
    if (reason !== null) return { step: row.step, reason };
  }
  return null;
}

/** The fields a training step cannot go on from when they are not finite. */
const WATCHED = ['loss', 'gradNorm', 'entropy', 'kl'] as const;
const FIELD_NAMES: Record<(typeof WATCHED)[number], string> = { loss: 'the loss', gradNorm: 'the gradient norm', entropy: 'the token entropy', kl: 'the KL to the base' };

const setting = (key: 'lr' | 'maxGradNorm' | 'beta', config: RunConfig) => `${runSchema[key].label} (${config[key]})`;

/**
 * Null while every watched number in the row is finite; otherwise a message
 * naming the step, what went non-finite and the setting most likely to blame.
 *
 * Entropy and KL come from the forward pass of the sampling policy, before
 * this step's updates: if they are not finite the parameters already were
 * not (at step 1: the base checkpoint). A non-finite loss or gradient norm
 * means the update itself produced NaN or Inf, and AdamW has written it into
 * the parameters, so the run cannot continue either.
 */
export function nonFiniteDiagnosis(row: TrainRow, config: RunConfig): string | null {
  // kl is null on steps that skip π_ref: not measured, not broken.
  const bad = WATCHED.filter((k) => row[k] !== null && !Number.isFinite(row[k]));
  if (bad.length === 0) return null;
  const what = bad.map((k) => `${FIELD_NAMES[k]} is ${row[k]}`).join(', ');
  const before = bad.includes('entropy') || bad.includes('kl');
  const head = `Stopped at step ${row.step}: ${what}.`;
  if (before && row.step <= 1) {
    return `${head} These come from the base model before any update, so the base checkpoint itself produces non-finite values (its weights overflow float32); choose another base model.`;
  }
  const params = before
    ? 'The policy’s parameters were already non-finite when this step began.'
    : 'A non-finite loss or gradient norm means this update wrote NaN or Inf into the parameters.';
  let cause: string;
  if (config.beta > 0 && (bad.includes('kl') || (row.kl !== null && !(row.kl < 50)))) {
    cause = `the KL penalty blew up: lower ${setting('beta', config)} or ${setting('lr', config)}`;
  } else if (config.maxGradNorm === 0) {
    cause = `nothing bounded the update, since ${setting('maxGradNorm', config)} is off: set it to 1`;
  } else {
    const grad = Number.isFinite(row.gradNorm) ? `the gradient norm reached ${short(row.gradNorm)}` : 'the gradient norm exploded';
    cause = `${grad}: lower ${setting('lr', config)}`;
  }
  return `${head} ${params} Most likely cause: ${cause}.`;
}
