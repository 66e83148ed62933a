// npm run compare -- --task countdown --algos grpo,rover,d3s --seeds 5 --steps N --out runs/cmp
// Trains every algorithm from the same base for seeds 1..S, then writes
// runs/cmp/results.md (IQM and bootstrap 95% intervals across seeds) and
// runs/cmp/passk.svg. Any run setting can be passed as a flag too.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, parseFlags } from '../config/schema';
import { createNodeContext } from '../gpu/node';
import { ALGORITHMS, runSchema, type Algorithm } from '../rl/config';
import { compareTable, passAtKPlot, type RunResult } from './compare-report';
import { defaultBaseFile, loadBase, trainToDir } from './run-files';

const argv = process.argv.slice(2);
if (argv.includes('--help')) {
  console.log(`Usage: npm run compare -- [options]\n\n  --algos LIST              comma-separated algorithms (default grpo,rover,d3s)\n  --seeds N                 seeds 1..N per algorithm (default 3)\n  --out DIR                 output folder (default runs/cmp-<task>)\n  --base FILE               base checkpoint (default public/checkpoints/<task>-<preset>.safetensors)\n${describe(runSchema)}`);
  process.exit(0);
}
const { values, extra, errors } = parseFlags(runSchema, argv, ['algos', 'seeds', 'out', 'base', 'help']);
const algos = (extra.algos ?? ALGORITHMS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
for (const a of algos) if (!(ALGORITHMS as readonly string[]).includes(a)) errors.push(`--algos: unknown algorithm "${a}" (known: ${ALGORITHMS.join(', ')})`);
const seeds = Number(extra.seeds ?? 3);
if (!Number.isInteger(seeds) || seeds < 1 || seeds > 100) errors.push(`--seeds: expected a whole number in [1, 100], got ${JSON.stringify(extra.seeds)}`);
if (errors.length) {
  console.error(`compare: ${errors.join('\n         ')}\n(see npm run compare -- --help)`);
  process.exit(2);
}
try {
  const out = extra.out ?? `runs/cmp-${values.task}`;
  const base = await loadBase(extra.base ?? defaultBaseFile(values), values.task, values.preset);
  const ctx = await createNodeContext();
  console.error(`adapter: ${ctx.adapter.name}`);
  const results: RunResult[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    for (const algo of algos as Algorithm[]) {
      const rows = await trainToDir(ctx, { ...values, algo, seed }, base, join(out, `${algo}-s${seed}`), `${algo} seed ${seed}`);
      results.push({ algo, seed, rows });
    }
  }
  const table = compareTable(results);
  const title = `${values.task}, ${values.preset} preset, ${values.steps} steps, ${seeds} seed${seeds > 1 ? 's' : ''}`;
  const md = `# Comparison: ${title}\n\nAdapter: ${ctx.adapter.name}. Final held-out evaluation (${values.evalPrompts} prompts × ${values.evalSamples} samples); interquartile mean across seeds with a bootstrap 95% interval.\n\n${table}\n\n![pass@k vs k](passk.svg)\n`;
  await writeFile(join(out, 'results.md'), md);
  await writeFile(join(out, 'passk.svg'), passAtKPlot(results, `pass@k: ${title}`));
  console.log(`\n${table}\n\nwrote ${out}/results.md and ${out}/passk.svg`);
  process.exit(0);
} catch (e) {
  console.error(`compare: ${(e as Error).message}`);
  process.exit(1);
}
