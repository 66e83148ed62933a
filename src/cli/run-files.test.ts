// Reading a run folder back for export: settings checked by key, the task
// config taken from the run's own model, a clear refusal for anything else.

import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../rl/config';
import { cpuView, outputWeightName } from '../model/params';
import { randomBase } from '../testing/base-model';
import { testContext } from '../testing/gpu';
import { defaultBaseFile, readRunDir, readRunRows, trainToDir } from './run-files';
import { syntheticRun } from '../app/test-rows';

function folder(config: unknown, withModel = true): string {
  const dir = mkdtempSync(join(tmpdir(), 'run-'));
  writeFileSync(join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  if (withModel) copyFileSync(defaultBaseFile({ task: 'paths', preset: 'tiny' }), join(dir, 'model.safetensors'));
  return dir;
}

describe('readRunRows', () => {
  it('reads metrics.jsonl back row for row, and refuses a broken line or a bad row, naming the file', async () => {
    const dir = folder({ task: 'tree' }, false);
    const rows = syntheticRun(6, 3);
    writeFileSync(join(dir, 'metrics.jsonl'), rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    expect(await readRunRows(dir)).toEqual(rows);
    writeFileSync(join(dir, 'metrics.jsonl'), `${JSON.stringify(rows[0])}\n{"kind": "train"`);
    await expect(readRunRows(dir)).rejects.toThrow(/metrics\.jsonl is not one JSON row per line/);
    writeFileSync(join(dir, 'metrics.jsonl'), `${JSON.stringify({ ...rows[1], loss: 'high' })}\n`);
    await expect(readRunRows(dir)).rejects.toThrow(/metrics\.jsonl: row 1: "loss" should be a number/);
  });
});

describe('readRunDir', () => {
  it('reads the settings and the task config of the run\'s model', async () => {
    const dir = folder({ ...defaultRunConfig(), task: 'paths', algo: 'rover', seed: 9 });
    const run = await readRunDir(dir);
    expect(run.config).toMatchObject({ task: 'paths', algo: 'rover', seed: 9 });
    expect(run.taskConfig).toMatchObject({ nodes: expect.any(Number), edges: expect.any(Number) });
    expect(run.taskConfigFrom).toBe(join(dir, 'model.safetensors'));
  });

  it('falls back to the default base of the task and preset when the folder has no model', async () => {
    const run = await readRunDir(folder({ task: 'tree' }, false));
    expect(run.taskConfigFrom).toBe(defaultBaseFile({ task: 'tree', preset: 'tiny' }));
  });

  it('refuses a folder that is not a run, naming what is wrong', async () => {
    await expect(readRunDir(mkdtempSync(join(tmpdir(), 'empty-')))).rejects.toThrow(/has no config\.json/);
    await expect(readRunDir(folder('{oops', false))).rejects.toThrow(/is not JSON/);
    await expect(readRunDir(folder({ algo: 'ppo', lr: 'fast' }, false))).rejects.toThrow(/"algo" expected one of grpo, rover, d3s.*"lr"/);
    await expect(readRunDir(folder({ colour: 'red' }, false))).rejects.toThrow(/"colour" is not a run setting/);
  });
});

describe('trainToDir', () => {
  it('stops a run that goes non-finite with the lab\'s message, and writes no NaN row', async () => {
    const base = randomBase('arithmetic', { terms: 2, digits: 1 });
    // Output weights this large overflow the logits: the base itself yields NaN statistics at step 1.
    const head = cpuView(base.params, base.layout, outputWeightName(base.meta.config));
    for (let i = 0; i < head.length; i++) head[i] = Math.sign(head[i] || 1) * 3e38;
    const dir = mkdtempSync(join(tmpdir(), 'nan-run-'));
    const ctx = await testContext();
    const config = { ...defaultRunConfig(), task: 'arithmetic' as const, prompts: 2, group: 4, minibatches: 2, steps: 3, evalEvery: 0, evalPrompts: 1, evalSamples: 2 };
    await expect(trainToDir(ctx, config, base, dir)).rejects.toThrow(/Stopped at step 1: .*base checkpoint/);
    const written = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
    expect(written).not.toMatch(/"kind":"train"/);
  });
});
