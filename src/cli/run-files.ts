// Training runs on disk: runs/NAME/config.json, metrics.jsonl (one JSON row
// per line; eval rows have "kind": "eval") and model.safetensors. Shared by
// `npm run train` and `npm run compare`.

import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseEntries } from '../config/schema';
import type { GpuContext } from '../gpu/context';
import type { Checkpoint } from '../model/checkpoint';
import { loadCheckpointFile, saveCheckpointFile } from '../model/checkpoint-node';
import { type RunConfig, runConfigIssues, runSchema } from '../rl/config';
import { Trainer } from '../rl/trainer';
import type { MetricsRow } from '../rl/types';
import { defaultBasePath } from '../worker/api';
import { progressBar } from './progress';
import { nonFiniteDiagnosis } from '../rl/health';
import { validateRows } from '../app/rows';

/** The shipped base checkpoint for a task and preset, as a path from the repository root. */
export function defaultBaseFile(config: Pick<RunConfig, 'task' | 'preset'>): string {
  return join('public', defaultBasePath(config));
}

export async function loadBase(path: string, task: string, preset: string): Promise<Checkpoint> {
  if (!existsSync(path)) {
    throw new Error(`No base checkpoint at ${path}. Make one with: npm run pretrain -- --task ${task} --preset ${preset} --out ${path}`);
  }
  return loadCheckpointFile(path);
}

export async function trainToDir(ctx: GpuContext, config: RunConfig, base: Checkpoint, dir: string, label: string = config.algo): Promise<MetricsRow[]> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const metricsPath = join(dir, 'metrics.jsonl');
  await writeFile(metricsPath, '');
  const trainer = new Trainer(ctx, config, base);
  const bar = progressBar(label, config.steps);
  const rows: MetricsRow[] = [];
  try {
    while (!trainer.done) {
      const fresh = await trainer.step();
      // The lab's worker stops the same way: a non-finite step is not written, and the message names the likely setting.
      const broken = fresh.flatMap((r) => (r.kind === 'train' ? [nonFiniteDiagnosis(r, config)] : [])).find((m) => m !== null);
      if (broken) throw new Error(broken);
      rows.push(...fresh);
      await appendFile(metricsPath, fresh.map((r) => `${JSON.stringify(r)}\n`).join(''));
      const last = fresh.findLast((r) => r.kind === 'train');
      bar.tick(trainer.stepIndex, last && last.kind === 'train' ? `reward ${last.rewardMean.toFixed(3)} pass@1 ${last.pass1.toFixed(3)} H ${last.entropy.toFixed(2)}` : '');
    }
    bar.done();
    const { params, meta } = await trainer.checkpointMeta();
    await saveCheckpointFile(join(dir, 'model.safetensors'), trainer.layout, params, meta);
  } finally {
    trainer.dispose();
  }
  return rows;
}

export interface RunOnDisk {
  name: string;
  config: RunConfig;
  /** The task config the run trained on: from its model.safetensors, else from the default base of its task and preset. */
  taskConfig: Partial<Record<string, number>> | null;
  /** Where taskConfig was read. */
  taskConfigFrom: string;
}

/** Reads a folder written by trainToDir; a bad setting refuses the folder, naming the key. */
export async function readRunDir(dir: string): Promise<RunOnDisk> {
  const configPath = join(dir, 'config.json');
  if (!existsSync(configPath)) throw new Error(`${dir} is not a run folder: it has no config.json (npm run train -- --out DIR writes one)`);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(configPath, 'utf8'));
  } catch (e) {
    throw new Error(`${configPath} is not JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${configPath} is not a JSON object of run settings`);
  const parsed = parseEntries(runSchema, Object.entries(raw));
  const problems = [...parsed.errors.map((e) => `"${e.key}" ${e.message}`), ...parsed.unknown.map((k) => `"${k}" is not a run setting`), ...runConfigIssues(parsed.values).map((e) => `"${e.key}" ${e.message}`)];
  if (problems.length > 0) throw new Error(`${configPath}: ${problems.join('; ')}`);
  const model = join(dir, 'model.safetensors');
  const from = existsSync(model) ? model : defaultBaseFile(parsed.values);
  const taskConfig = existsSync(from) ? ((await loadCheckpointFile(from)).meta.taskConfig as RunOnDisk['taskConfig']) : null;
  return { name: basename(dir.replace(/\/+$/, '')), config: parsed.values, taskConfig, taskConfigFrom: existsSync(from) ? from : 'the task defaults' };
}

/** The metric rows of a folder written by trainToDir, each checked as a results link's rows are; a bad row refuses the file, naming it. */
export async function readRunRows(dir: string): Promise<MetricsRow[]> {
  const path = join(dir, 'metrics.jsonl');
  const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  let raw: unknown[];
  try {
    raw = lines.map((l) => JSON.parse(l) as unknown);
  } catch (e) {
    throw new Error(`${path} is not one JSON row per line: ${(e as Error).message}`);
  }
  const { rows, errors } = validateRows(raw);
  if (errors.length > 0) throw new Error(`${path}: ${errors.join('; ')}`);
  return rows;
}

