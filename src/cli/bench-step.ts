// npm run bench:step [-- --configs countdown:tiny:8x8,paths:small:8x8:d3s] [--reps 5] [--warmup 1]
//                     [--baseline REF [--baseline-sleeping-wait]] [--json FILE] [--update-docs] [--no-peer] [--no-install]
//
// Times the whole training step and each phase, with dispatch, submit and
// readback counts, beside the same step in PyTorch on the CPU and, with
// --baseline, beside an older commit's step, taking turns step by step.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { replaceDocSection } from '../bench/doc-section';
import { runStepBench } from '../bench/step-bench';
import { DEFAULT_STEP_CONFIGS, parseStepConfigs } from '../bench/step-configs';
import { STEP_DOC_SECTION, phaseTable, stepDocsSection, stepTable } from '../bench/step-report';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const USAGE = `Usage: npm run bench:step -- [options]
  --configs LIST   task:preset:PxG[:algo], comma-separated (default ${DEFAULT_STEP_CONFIGS}); algo grpo (default), rover, d3s or d3s@F (F: where in the run, 0..1)
  --reps N         timed steps per contender (default 5, at least 5 unless --quick)
  --warmup N       warm-up steps per contender (default 1)
  --baseline REF   also time the step of commit REF (a temporary git worktree), alternating with ours
  --baseline-sleeping-wait
                   let the baseline wait on the GPU as ours does, sleeping instead of spinning a core
                   (src/gpu/node-wait.ts), so the ratio leaves out what that wait alone gains in Node
  --json FILE      write one object per configuration
  --update-docs    rewrite the training-step section of docs/benchmarks.md
  --no-peer        skip the PyTorch peer
  --no-install     never apt-get install python3-torch or OpenBLAS
  --quick          allow fewer than 5 repetitions (smoke runs)`;

function parseArgs(argv: string[]) {
  const a = { configs: DEFAULT_STEP_CONFIGS, reps: 5, warmup: 1, baseline: null as string | null, baselineSleeping: false, json: null as string | null, docs: false, peer: true, install: true, quick: false };
  const value = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    return v;
  };
  const int = (i: number, flag: string, min: number) => {
    const v = Number(value(i, flag));
    if (!Number.isInteger(v) || v < min) throw new Error(`${flag} must be an integer ≥ ${min}, got "${argv[i + 1]}"`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    if (f === '--') continue;
    else if (f === '--configs') a.configs = value(i++, f);
    else if (f === '--reps') a.reps = int(i++, f, 1);
    else if (f === '--warmup') a.warmup = int(i++, f, 0);
    else if (f === '--baseline') a.baseline = value(i++, f);
    else if (f === '--baseline-sleeping-wait') a.baselineSleeping = true;
    else if (f === '--json') a.json = value(i++, f);
    else if (f === '--update-docs') a.docs = true;
    else if (f === '--no-peer') a.peer = false;
    else if (f === '--no-install') a.install = false;
    else if (f === '--quick') a.quick = true;
    else if (f === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${f}\n${USAGE}`);
  }
  if (a.baselineSleeping && !a.baseline) throw new Error('--baseline-sleeping-wait needs --baseline REF');
  if (a.reps < 5 && !a.quick) throw new Error(`--reps ${a.reps}: a benchmark takes at least 5 repetitions (add --quick for a smoke run)`);
  return { ...a, configs: parseStepConfigs(a.configs) };
}

try {
  const args = parseArgs(process.argv.slice(2));
  const run = await runStepBench({ root: ROOT, configs: args.configs, warmup: args.warmup, reps: args.reps, baseline: args.baseline, baselineSleeping: args.baselineSleeping, peer: args.peer, install: args.install });
  console.log(`adapter: ${run.adapter}; ${run.cores} cores, load average ${run.load.toFixed(1)} at the start\n`);
  console.log(stepTable(run.results));
  console.log(`\n${phaseTable(run.results)}`);
  if (args.json) {
    const rows = run.results.map((r) => ({ ...r, adapter: run.adapter, cores: run.cores, load: run.load, date: run.date }));
    writeFileSync(args.json, `${JSON.stringify(rows, null, 2)}\n`);
    console.error(`wrote ${args.json}`);
  }
  if (args.docs) {
    const path = join(ROOT, 'docs/benchmarks.md');
    writeFileSync(path, replaceDocSection(readFileSync(path, 'utf8'), STEP_DOC_SECTION, stepDocsSection(run, args.warmup)));
    console.error('wrote docs/benchmarks.md');
  }
  process.exit(0);
} catch (e) {
  console.error(`bench:step: ${(e as Error).message}`);
  process.exit(1);
}
