// npm run pretrain -- --task countdown --preset tiny --steps 300 --seed 1 --out public/checkpoints/countdown-tiny.safetensors
//
// Supervised pretraining of a base checkpoint from task demonstrations, then
// a held-out pass@k evaluation of it. Writes <out> (safetensors, with the task,
// its config, the tokenizer, the model config and this command line in the
// metadata), <out>.loss.csv (step, loss, lr) and <out>.eval.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe } from '../config/schema';
import { createNodeContext } from '../gpu/node';
import { passAtKOf } from '../metrics/passk';
import { loadCheckpointFile } from '../model/checkpoint-node';
import { parameterCount, presetConfig } from '../model/config';
import { type PretrainOptions, type PretrainStart, type PretrainStep, createPretrainer, parsePretrainFlags, pretrainMetadata, pretrainSchema } from '../model/pretrain';
import { Sampler } from '../model/sampler';
import { evaluate } from '../rl/evaluate';
import { completionBudget, makeProblems } from '../rl/rollout';
import { contextLength, getTask } from '../tasks/registry';
import { progressBar } from './progress';

const USAGE = 'usage: npm run pretrain -- --task <task> --preset <preset> --steps N --seed S --out <file.safetensors> [options]';

/** How the run was asked for, quoted so it can be pasted back into a shell. */
function commandLine(argv: readonly string[]): string {
  const quote = (a: string) => (/^[\w./=,:@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['npm', 'run', 'pretrain', '--', ...argv.map(quote)].join(' ');
}

function meanLoss(rows: readonly PretrainStep[]): number {
  return rows.reduce((a, r) => a + r.loss, 0) / Math.max(1, rows.length);
}

/** One "step  loss" line per window of `every` steps, with a bar scaled to the first window's loss. */
function lossCurve(history: readonly PretrainStep[], every: number): string {
  const windows: { end: number; loss: number }[] = [];
  for (let start = 0; start < history.length; start += every) {
    const rows = history.slice(start, start + every);
    windows.push({ end: rows[rows.length - 1].step + 1, loss: meanLoss(rows) });
  }
  const top = Math.max(...windows.map((w) => w.loss));
  return windows.map((w) => `  ${String(w.end).padStart(7)}  ${w.loss.toFixed(4)}  ${'▇'.repeat(Math.max(1, Math.round((40 * w.loss) / top)))}`).join('\n');
}

/** The weights of `path`, refused unless they were trained on the same task, task config and preset. */
async function startFrom(path: string, options: PretrainOptions): Promise<PretrainStart> {
  const { meta, params } = await loadCheckpointFile(path);
  const task = getTask(options.task);
  const expected = presetConfig(options.preset, task.tokenizer(options.taskConfig).size, contextLength(task, options.taskConfig));
  const problems: string[] = [];
  if (meta.task !== options.task) problems.push(`it is a ${meta.task} checkpoint, not ${options.task}`);
  else if (JSON.stringify(meta.taskConfig) !== JSON.stringify(options.taskConfig)) problems.push(`its task config ${JSON.stringify(meta.taskConfig)} differs from ${JSON.stringify(options.taskConfig)}`);
  if (JSON.stringify(meta.config) !== JSON.stringify(expected)) problems.push(`its model ${JSON.stringify(meta.config)} is not the ${options.preset} preset ${JSON.stringify(expected)}`);
  if (problems.length > 0) throw new Error(`--init ${path}: ${problems.join('; ')}`);
  return { params, step: meta.step };
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2).filter((a) => a !== '--');
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`${USAGE}\n\n${describe(pretrainSchema)}`);
    return 0;
  }
  const { flags, options, errors } = parsePretrainFlags(argv);
  if (flags.out === '') errors.push('--out is required (the checkpoint file to write)');
  if (errors.length > 0) {
    console.error(`pretrain: ${errors.join('\n  ')}\n${USAGE}\n(--help lists every option)`);
    return 2;
  }

  const start = flags.init === '' ? undefined : await startFrom(flags.init, options);
  const ctx = await createNodeContext({ label: 'pretrain' });
  const trainer = createPretrainer(ctx, options, start);
  const { config } = trainer;
  console.error(`${options.task} ${JSON.stringify(options.taskConfig)} · ${options.preset}: ${parameterCount(config).toLocaleString('en-US')} parameters, V=${config.vocabSize} T=${config.contextLength} · ${ctx.adapter.name}`);

  const history: PretrainStep[] = [];
  const bar = progressBar('pretrain', options.steps);
  const started = Date.now();
  for (let i = 0; i < options.steps; i++) {
    const s = await trainer.step();
    history.push(s);
    bar.tick(i + 1, `loss ${meanLoss(history.slice(-flags['log-every'])).toFixed(4)} lr ${s.lr.toExponential(2)}`);
  }
  const trainSeconds = (Date.now() - started) / 1000;
  const tail = history.slice(-Math.min(flags['log-every'], history.length));
  const finalLoss = meanLoss(tail);
  bar.done(`loss ${finalLoss.toFixed(4)} (mean of the last ${tail.length} steps) in ${trainSeconds.toFixed(0)} s`);
  console.error(`loss curve (mean per ${flags['log-every']} steps):\n${lossCurve(history, flags['log-every'])}`);

  mkdirSync(dirname(flags.out), { recursive: true });
  const bytes = await trainer.checkpoint({ ...pretrainMetadata(options, finalLoss), 'pretrain-command': commandLine(argv) });
  writeFileSync(flags.out, new Uint8Array(bytes));
  writeFileSync(`${flags.out}.loss.csv`, `step,loss,lr\n${history.map((r) => `${r.step},${r.loss},${r.lr}`).join('\n')}\n`);
  console.error(`wrote ${flags.out} (${(bytes.byteLength / 1024).toFixed(0)} KiB) and ${flags.out}.loss.csv`);

  if (flags['eval-prompts'] > 0) {
    const n = flags['eval-samples'];
    const task = trainer.task;
    const problems = makeProblems(task, options.taskConfig, trainer.tokenizer, 'eval', options.seed, 0, flags['eval-prompts']);
    const sampler = new Sampler(trainer.model, Math.max(n, Math.floor(512 / n) * n));
    const evalStarted = Date.now();
    const row = await evaluate(sampler, task, trainer.tokenizer, problems, { n, maxNewTokens: completionBudget(task, options.taskConfig), temperature: 1, topK: 0, seed: options.seed, step: 0 });
    sampler.dispose();
    const at = (k: number) => passAtKOf(row.passAtK, k) ?? NaN;
    const report = { checkpoint: flags.out, command: commandLine(argv), finalLoss, trainSeconds, evalSeconds: (Date.now() - evalStarted) / 1000, eval: row };
    writeFileSync(`${flags.out}.eval.json`, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`${flags.out}: loss ${finalLoss.toFixed(4)} · pass@1 ${at(1).toFixed(3)} · pass@${n} ${at(n).toFixed(3)} over ${problems.length} held-out prompts × ${n} samples (τ = 1)`);
  }
  trainer.dispose();
  ctx.destroy();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`pretrain: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
