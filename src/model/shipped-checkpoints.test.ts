// The base models in public/checkpoints: one per task and preset tiny/small,
// each loadable by today's code for today's task, made by the documented
// pretrain command, and with an evaluation that leaves room for RL.

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors } from './checkpoint';
import { loadCheckpointFile, readFileBuffer } from './checkpoint-node';
import { type PresetName, presetConfig } from './config';
import { contextLength, getTask, resolveConfig } from '../tasks/registry';
import { TASK_NAMES, type TaskConfig } from '../tasks/types';
import { defaultBaseFile } from '../cli/run-files';
import { passAtKOf } from '../metrics/passk';
import { defaultRunConfig } from '../rl/config';
import { Trainer } from '../rl/trainer';
import { testContext } from '../testing/gpu';

const SHIPPED_PRESETS: PresetName[] = ['tiny', 'small'];
const docs = readFileSync('docs/base-models.md', 'utf8');

interface EvalReport {
  checkpoint: string;
  command: string;
  eval: { prompts: number; samples: number; passAtK: { k: number; value: number }[] };
}

describe.each(TASK_NAMES.flatMap((task) => SHIPPED_PRESETS.map((preset) => [task, preset] as const)))('shipped base %s-%s', (task, preset) => {
  const path = defaultBaseFile({ task, preset });

  it('exists, loads and fits the task and preset', async () => {
    expect(existsSync(path), `${path} is missing`).toBe(true);
    const ck = await loadCheckpointFile(path);
    expect(ck.meta.task).toBe(task);
    const spec = getTask(task);
    const cfg = resolveConfig(spec, ck.meta.taskConfig as Partial<TaskConfig>);
    const tokenizer = spec.tokenizer(cfg);
    expect(ck.meta.alphabet).toBe(tokenizer.alphabet);
    expect(ck.meta.config).toEqual(presetConfig(preset, tokenizer.size, contextLength(spec, cfg)));
    expect(ck.params.every(Number.isFinite)).toBe(true);
  });

  it('records the documented pretrain command and an eval that leaves room for RL', async () => {
    const { metadata } = decodeSafetensors(await readFileBuffer(path));
    const command = metadata['pretrain-command'];
    expect(command).toContain(`--task ${task} --preset ${preset}`);
    expect(command).toContain(`--out ${path}`);
    expect(docs, 'docs/base-models.md lists the command that made the file').toContain(command);
    expect(JSON.parse(metadata.pretrain ?? '{}')).toMatchObject({ task, preset });

    const report = JSON.parse(readFileSync(`${path}.eval.json`, 'utf8')) as EvalReport;
    expect(report.command).toBe(command);
    expect(report.eval.samples).toBeGreaterThanOrEqual(64);
    const passAt = (k: number) => passAtKOf(report.eval.passAtK, k) ?? Number.NaN;
    // Clearly better than chance (a random string practically never solves these tasks)...
    expect(passAt(64)).toBeGreaterThanOrEqual(0.05);
    // ...and well below perfect on a single sample.
    expect(passAt(1)).toBeLessThan(0.5);
    expect(passAt(64)).toBeGreaterThan(2 * passAt(1));
  });

  it('starts an RL run: one GRPO step with finite metrics, from samples that end where the format does', async () => {
    const ctx = await testContext();
    const config = { ...defaultRunConfig(), task, preset, algo: 'grpo' as const, prompts: 2, group: 8, minibatches: 1, steps: 1, evalEvery: 0, evalPrompts: 2, evalSamples: 8 };
    const trainer = new Trainer(ctx, config, await loadCheckpointFile(path));
    const rows = await trainer.step();
    const train = rows.find((r) => r.kind === 'train');
    expect(train).toBeDefined();
    for (const [k, v] of Object.entries(train!)) if (typeof v === 'number') expect(Number.isFinite(v), k).toBe(true);
    // A base has learned the output format: its completions stop with EOS rather than run to the length limit.
    const completions = trainer.rollouts()!.completions;
    expect(completions.filter((c) => c.tokens.at(-1) === '⏎').length).toBeGreaterThanOrEqual(completions.length * 0.75);
    trainer.dispose();
  });
});
