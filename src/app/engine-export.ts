// "Export for TRL / verl" on a run card: the folder npm run export writes,
// built by the same module (src/export/folder.ts) and zipped in the page.

import { buildExport, type ExportRequest } from '../export/folder';
import type { ExportTarget } from '../export/mapping';
import { zipStore } from '../export/zip';
import { readCheckpoint } from '../model/checkpoint';
import type { RunConfig } from '../rl/config';
import { fileSlug } from './export';

export interface EngineZip {
  name: string;
  bytes: Uint8Array<ArrayBuffer>;
  /** Settings with no equivalent in the engine, for the notice after the download. */
  unmatched: string[];
}

/** The export as a zip whose entries sit in one folder named after the run and engine. */
export function engineExportZip(run: { name: string; config: RunConfig }, target: ExportTarget, base: ArrayBuffer | null): EngineZip {
  const taskConfig = base === null ? null : (readCheckpoint(base).meta.taskConfig as ExportRequest['taskConfig']);
  const source = base === null ? 'the lab (its task config: the task defaults, no base model was found)' : 'the lab (task config from its base model)';
  const plan = buildExport({ target, config: run.config, taskConfig, name: run.name, source });
  const folder = `${fileSlug(run.name)}-${target}`;
  const bytes = zipStore(plan.files.map((f) => ({ path: `${folder}/${f.path}`, data: f.text, executable: f.executable })));
  return { name: `${folder}.zip`, bytes, unmatched: plan.mapped.unmatched };
}
