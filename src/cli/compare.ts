// npm run compare -- --experiment NAME [--seeds N] [--first-seed K] [--out DIR]
//   runs one of the shipped experiments (src/cli/experiments.ts) and writes
//   DIR/summary.json, results.md, passk.svg and diversity.svg.
// npm run compare -- --task countdown --algos grpo,rover,d3s --seeds 5 --steps N --out runs/cmp
//   trains every algorithm from the same base for seeds 1..S, then writes
//   runs/cmp/results.md (IQM and bootstrap 95% intervals across seeds) and
//   runs/cmp/passk.svg. Any run setting can be passed as a flag too.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, parseFlags } from '../config/schema';
import type { GpuContext } from '../gpu/context';
import { createNodeContext } from '../gpu/node';
import { ALGORITHMS, runSchema, type Algorithm } from '../rl/config';
import { compareTable, passAtKPlot, type RunResult } from './compare-report';
import { type ArmRun, diversityPlot, passAtKArmsPlot, resultsMarkdown, summarise } from './experiment-report';
import { armConfig, EXPERIMENT_NAMES, EXPERIMENTS, experimentByName, type ExperimentSpec } from '../rl/experiments';
import { defaultBaseFile, loadBase, trainToDir } from './run-files';

const argv = process.argv.slice(2);
if (argv.includes('--help')) {
  console.log(`Usage: npm run compare -- --experiment NAME [--seeds N] [--first-seed K] [--out DIR]
       npm run compare -- [options]

Shipped experiments (each a fixed task, base, preset, steps, evaluation and set of arms):
${EXPERIMENTS.map((e) => `  ${e.name.padEnd(16)} ${e.title} (default ${e.defaultSeeds} seeds)`).join('\n')}

  --experiment NAME         run a shipped experiment; writes DIR/summary.json, results.md, passk.svg, diversity.svg
  --first-seed K            seeds run from K upward (default 1)
  --algos LIST              without --experiment: comma-separated algorithms (default grpo,rover,d3s)
  --seeds N                 seeds per arm (default: the experiment's, else 3)
  --out DIR                 output folder (default runs/<experiment> or runs/cmp-<task>)
  --base FILE               without --experiment: base checkpoint (default public/checkpoints/<task>-<preset>.safetensors)
${describe(runSchema)}`);
  process.exit(0);
}
const { values, extra, errors, given } = parseFlagsWithGiven(argv);
const experiment = extra.experiment === undefined ? null : experimentByName(extra.experiment);
if (extra.experiment !== undefined && experiment === null) errors.push(`--experiment: unknown experiment "${extra.experiment}" (known: ${EXPERIMENT_NAMES.join(', ')})`);
if (experiment && (given.length > 0 || extra.algos !== undefined || extra.base !== undefined)) {
  errors.push(`--experiment fixes its own settings; drop ${[...given.map((k) => `--${k}`), ...(extra.algos !== undefined ? ['--algos'] : []), ...(extra.base !== undefined ? ['--base'] : [])].join(', ')} (or run without --experiment)`);
}
const algos = (extra.algos ?? ALGORITHMS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
for (const a of algos) if (!(ALGORITHMS as readonly string[]).includes(a)) errors.push(`--algos: unknown algorithm "${a}" (known: ${ALGORITHMS.join(', ')})`);
const seedCount = Number(extra.seeds ?? experiment?.defaultSeeds ?? 3);
if (!Number.isInteger(seedCount) || seedCount < 1 || seedCount > 100) errors.push(`--seeds: expected a whole number in [1, 100], got ${JSON.stringify(extra.seeds)}`);
const firstSeed = Number(extra['first-seed'] ?? 1);
if (!Number.isInteger(firstSeed) || firstSeed < 0 || firstSeed > 2 ** 31 - 101) errors.push(`--first-seed: expected a whole number ≥ 0, got ${JSON.stringify(extra['first-seed'])}`);
if (errors.length) {
  console.error(`compare: ${errors.join('\n         ')}\n(see npm run compare -- --help)`);
  process.exit(2);
}
const seeds = Array.from({ length: seedCount }, (_, i) => firstSeed + i);

function parseFlagsWithGiven(args: string[]) {
  const parsed = parseFlags(runSchema, args, ['algos', 'seeds', 'out', 'base', 'help', 'experiment', 'first-seed']);
  const given = args.filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')[0]).filter((k) => k in runSchema);
  return { ...parsed, given };
}

async function runExperiment(ctx: GpuContext, spec: ExperimentSpec, out: string): Promise<void> {
  const started = performance.now();
  const base = await loadBase(spec.base, spec.common.task, spec.common.preset);
  const runs: ArmRun[] = [];
  for (const seed of seeds) {
    let baseEval: ArmRun['rows'] | null = null;
    for (const arm of spec.arms) {
      if (arm.train === null) continue;
      const rows = await trainToDir(ctx, armConfig(spec, arm.train, seed), base, join(out, `${arm.name}-s${seed}`), `${arm.name} seed ${seed}`);
      runs.push({ arm: arm.name, seed, rows });
      // Every arm of a seed evaluates the same base on the same prompts and sampling stream at step 0.
      baseEval ??= rows.filter((r) => r.kind === 'eval' && r.step === 0);
    }
    if (baseEval === null) throw new Error(`experiment ${spec.name} has no training arm`);
    for (const arm of spec.arms) if (arm.train === null) runs.push({ arm: arm.name, seed, rows: baseEval });
  }
  const summary = summarise(spec, runs, seeds);
  const minutes = (performance.now() - started) / 60_000;
  const command = `npm run compare -- --experiment ${spec.name} --seeds ${seeds.length} --first-seed ${firstSeed}${extra.out ? ` --out ${extra.out}` : ''}`;
  const common = Object.entries(spec.common).map(([k, v]) => `${k} ${v}`).join(', ');
  const armSettings = spec.arms.filter((a) => a.train !== null).map((a) => `${a.name}: ${Object.entries(a.train!).map(([k, v]) => `${k} ${v}`).join(', ')}`).join('; ');
  const settings = `Settings: ${common}; base ${spec.base}; every other setting at its default (src/rl/config.ts). Arms — ${armSettings}.`;
  await writeFile(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  await writeFile(join(out, 'results.md'), resultsMarkdown(spec, summary, { command, adapter: ctx.adapter.name, minutes, settings }));
  await writeFile(join(out, 'passk.svg'), passAtKArmsPlot(spec, summary));
  await writeFile(join(out, 'diversity.svg'), diversityPlot(spec, runs));
  for (const e of summary.effects) {
    const s = e.stat;
    console.log(`${e.holds === null ? '·' : e.holds ? '✓' : '✗'} ${e.claim}: ${e.metric} ${s ? `${s.iqm.toFixed(3)} [${s.low.toFixed(3)}, ${s.high.toFixed(3)}]` : 'not measured'}`);
  }
  console.log(`\nwrote ${out}/summary.json, results.md, passk.svg and diversity.svg (${minutes.toFixed(1)} min)`);
}

async function runAlgorithms(ctx: GpuContext, out: string): Promise<void> {
  const base = await loadBase(extra.base ?? defaultBaseFile(values), values.task, values.preset);
  const results: RunResult[] = [];
  for (const seed of seeds) {
    for (const algo of algos as Algorithm[]) {
      const rows = await trainToDir(ctx, { ...values, algo, seed }, base, join(out, `${algo}-s${seed}`), `${algo} seed ${seed}`);
      results.push({ algo, seed, rows });
    }
  }
  const table = compareTable(results);
  const title = `${values.task}, ${values.preset} preset, ${values.steps} steps, ${seeds.length} seed${seeds.length > 1 ? 's' : ''}`;
  const md = `# Comparison: ${title}\n\nAdapter: ${ctx.adapter.name}. Final held-out evaluation (${values.evalPrompts} prompts × ${values.evalSamples} samples); interquartile mean across seeds with a bootstrap 95% interval.\n\n${table}\n\n![pass@k vs k](passk.svg)\n`;
  await writeFile(join(out, 'results.md'), md);
  await writeFile(join(out, 'passk.svg'), passAtKPlot(results, `pass@k: ${title}`));
  console.log(`\n${table}\n\nwrote ${out}/results.md and ${out}/passk.svg`);
}

try {
  const out = extra.out ?? (experiment ? `runs/${experiment.name}` : `runs/cmp-${values.task}`);
  await mkdir(out, { recursive: true });
  const ctx = await createNodeContext();
  console.error(`adapter: ${ctx.adapter.name}`);
  if (experiment) await runExperiment(ctx, experiment, out);
  else await runAlgorithms(ctx, out);
  process.exit(0);
} catch (e) {
  console.error(`compare: ${(e as Error).message}`);
  process.exit(1);
}
