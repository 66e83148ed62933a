// npm run test:export — outside npm test: exports a GRPO run for TRL and trains
// the exported script for 2 steps on CPU on a tiny randomly initialised model
// (no downloads), then checks that TRL logged a reward and a KL. Uses the
// machine's python3 when trl, transformers and torch import there, else a
// virtual environment at .venv-export (made with pip if it is missing).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultRunConfig, type RunConfig } from '../rl/config';
import { defaultBaseFile } from './run-files';

const VENV = '.venv-export';
const PACKAGES = ['trl', 'transformers', 'torch', 'accelerate', 'datasets'];
const IMPORT_CHECK = ['-c', 'import trl, transformers, torch, datasets'];

function works(python: string): boolean {
  return spawnSync(python, IMPORT_CHECK, { stdio: 'ignore' }).status === 0;
}

/** The packages that do not import in this python. */
function missing(python: string): string[] {
  return PACKAGES.filter((p) => spawnSync(python, ['-c', `import ${p}`], { stdio: 'ignore' }).status !== 0);
}

function findPython(): string {
  if (spawnSync('python3', ['--version'], { stdio: 'ignore' }).status !== 0) fail('python3 is not on PATH; install Python 3 and rerun');
  if (works('python3')) return 'python3';
  const venvPython = resolve(VENV, 'bin', 'python');
  if (existsSync(venvPython) && works(venvPython)) return venvPython;
  console.error(`test:export: ${missing('python3').join(', ')} do not import in python3; installing ${PACKAGES.join(' ')} into ${VENV} with pip`);
  if (!existsSync(venvPython)) {
    const made = spawnSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
    if (made.status !== 0) fail(`could not create ${VENV} (python3 -m venv failed: is python3-venv installed?)`);
  }
  const pip = spawnSync(resolve(VENV, 'bin', 'pip'), ['install', ...PACKAGES], { stdio: 'inherit' });
  if (pip.status !== 0 || !works(venvPython)) fail(`pip could not install ${PACKAGES.join(' ')} into ${VENV} (still missing there: ${missing(venvPython).join(', ') || 'none, but the import check failed'}); install them by hand (pip install ${PACKAGES.join(' ')}) and rerun`);
  return venvPython;
}

function fail(message: string): never {
  console.error(`test:export: FAILED: ${message}`);
  process.exit(1);
}

/** The TRL log's dict lines ({'loss': ..., 'reward': ..., 'kl': ...}) as objects. */
function logRows(log: string): Record<string, string>[] {
  const rows: Record<string, string>[] = [];
  for (const m of log.matchAll(/\{'loss'[^}]*\}/g)) {
    const row: Record<string, string> = {};
    for (const kv of m[0].matchAll(/'([^']+)': '?([^',}]+)'?/g)) row[kv[1]] = kv[2];
    rows.push(row);
  }
  return rows;
}

const python = findPython();
const work = mkdtempSync(join(tmpdir(), 'rlvr-export-'));
const runDir = join(work, 'run');
const outDir = join(work, 'trl');
// A small GRPO run, as npm run train leaves it: its settings and its model (here the shipped base).
const config: RunConfig = { ...defaultRunConfig(), task: 'countdown', algo: 'grpo', steps: 2, prompts: 2, group: 4, minibatches: 2, beta: 0.04, evalEvery: 1, evalPrompts: 2, evalSamples: 4 };
mkdirSync(runDir, { recursive: true });
writeFileSync(join(runDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
copyFileSync(defaultBaseFile(config), join(runDir, 'model.safetensors'));

const exported = spawnSync(process.execPath, ['src/cli/launch.js', 'src/cli/export.ts', '--run', runDir, '--to', 'trl', '--out', outDir], { encoding: 'utf8' });
process.stdout.write(exported.stdout);
if (exported.status !== 0) fail(`npm run export failed:\n${exported.stderr}`);

console.log(`test:export: ${python} ${join(outDir, 'train_trl.py')} --tiny-random-model --instruct --max-steps 2`);
// --instruct as the launchers pass it: chat messages through the chat template.
const trained = spawnSync(python, ['train_trl.py', '--tiny-random-model', '--instruct', '--max-steps', '2'], { cwd: outDir, encoding: 'utf8', env: { ...process.env, HF_HUB_OFFLINE: '1', TOKENIZERS_PARALLELISM: 'false' } });
const log = `${trained.stdout}\n${trained.stderr}`;
writeFileSync(join(work, 'trl.log'), log);
if (trained.status !== 0) fail(`train_trl.py exited with ${trained.status}; the log is in ${join(work, 'trl.log')}:\n${log.slice(-4000)}`);
const rows = logRows(log);
for (const [i, r] of rows.entries()) console.log(`step ${i + 1}: reward ${r.reward ?? '—'}  kl ${r.kl ?? '—'}  entropy ${r.entropy ?? '—'}  loss ${r.loss}`);
if (rows.length < 2) fail(`expected a log row per step (2), found ${rows.length}; the log is in ${join(work, 'trl.log')}`);
if (!rows.some((r) => r.reward !== undefined && Number.isFinite(Number(r.reward)))) fail('no step logged a reward');
if (!rows.every((r) => r.kl !== undefined && Number.isFinite(Number(r.kl)))) fail('a step logged no KL');
const evalRow = /\{'eval_loss'[^}]*'eval_reward': '([^']+)'/.exec(log);
if (evalRow === null) fail('the held-out evaluation (evalEvery = 1 lab step = 2 optimizer steps) logged no eval_reward');
console.log(`eval: reward ${evalRow[1]}`);
console.log(`test:export: passed (TRL logged a reward and a KL on both steps and an eval reward; log in ${join(work, 'trl.log')})`);
