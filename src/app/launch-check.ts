// Whether a launch button may start its runs, and if not, which setting stops
// it. A launch uses exactly the values on screen: a field whose text does not
// parse, settings that contradict each other, or a base checkpoint made for
// another task or model all keep the button off, and each is named.

import { coerce } from '../config/schema';
import { readCheckpoint } from '../model/checkpoint';
import { presetOf } from '../model/config';
import { type PresetName, type RunConfig, runConfigIssues, runSchema } from '../rl/config';

export interface LaunchProblem {
  /** A runSchema key, or 'base' for the base checkpoint. */
  key: string;
  label: string;
  message: string;
}

/** A base checkpoint chosen in the launcher, read at once. */
export interface BaseFile {
  name: string;
  data: ArrayBuffer;
  task: string;
  /** The preset its shape matches, or null for a shape of its own. */
  preset: PresetName | null;
  /** First 16 hex digits of its SHA-256, or null where the browser offers no crypto.subtle (insecure origins). */
  sha256: string | null;
}

export const BASE_LABEL = 'Base checkpoint';
const labelOf = (key: string) => (key === 'base' ? BASE_LABEL : ((runSchema as Record<string, { label: string }>)[key]?.label ?? key));

/** Short SHA-256 of a file: enough to tell two files apart when a person compares them. */
export async function shortSha256(data: ArrayBuffer): Promise<string | null> {
  if (!globalThis.crypto?.subtle) return null;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  return Array.from(digest.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Reads a chosen file as a base checkpoint; throws a CheckpointError naming what is wrong with it. */
export async function readBaseFile(name: string, data: ArrayBuffer): Promise<BaseFile> {
  const { meta } = readCheckpoint(data);
  return { name, data, task: meta.task, preset: presetOf(meta.config), sha256: await shortSha256(data) };
}

/** Why `base` cannot start a run with `config`, or null when it can. */
export function baseMismatch(base: Pick<BaseFile, 'name' | 'task' | 'preset'>, config: Pick<RunConfig, 'task' | 'preset'>): string | null {
  if (base.task !== config.task) return `${base.name} was trained on the ${base.task} task, but the run is set to ${config.task}`;
  if (base.preset !== null && base.preset !== config.preset) return `${base.name} is a ${base.preset} model, but the Model setting is ${config.preset}`;
  return null;
}

/**
 * Everything that stops `configs` from launching: fields whose text did not
 * parse (`fieldErrors`, by key), values out of the schema's range (a
 * comparison may derive them, e.g. seed + 2), contradictions between settings,
 * and a base that does not fit. One entry per key (its first message).
 */
export function launchProblems(configs: readonly RunConfig[], fieldErrors: Readonly<Record<string, string>>, base: Pick<BaseFile, 'name' | 'task' | 'preset'> | null): LaunchProblem[] {
  const problems: LaunchProblem[] = [];
  const add = (key: string, message: string) => {
    if (!problems.some((p) => p.key === key)) problems.push({ key, label: labelOf(key), message });
  };
  for (const [key, message] of Object.entries(fieldErrors)) add(key, message);
  for (const config of configs) {
    for (const [key, field] of Object.entries(runSchema)) {
      if (key in fieldErrors) continue;
      const r = coerce(field, config[key as keyof RunConfig]);
      if (!r.ok) add(key, r.message);
    }
    for (const issue of runConfigIssues(config)) add(issue.key, issue.message);
    const mismatch = base && baseMismatch(base, config);
    if (mismatch) add('base', mismatch);
  }
  return problems;
}

/** The sentence a disabled launch button points to: which settings to fix. */
export function blockedText(problems: readonly LaunchProblem[]): string {
  const labels = [...new Set(problems.map((p) => p.label))];
  return `Fix ${labels.join(', ')} to launch.`;
}
