// npm run bench:profile [-- --config countdown:tiny:8x8] [--steps 3] [--top 20] [--update-docs]
//
// Where a training step's GPU time goes, kernel by kernel: a trainer on the
// configuration's shipped base (bench:step's configurations), two warm-up
// steps, then `--steps` steps with GPU timestamps around every dispatch
// (GpuContext.profileKernels). Prints the time per kernel and per kernel and
// grid, per step; --update-docs writes the first table to docs/benchmarks.md.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { replaceDocSection } from '../bench/doc-section';
import { benchRunConfig, parseStepConfig } from '../bench/step-configs';
import type { KernelTime } from '../gpu/context';
import { createNodeContext } from '../gpu/node';
import { loadCheckpointFile } from '../model/checkpoint-node';
import { Trainer } from '../rl/trainer';
import { defaultBasePath } from '../worker/api';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const USAGE = 'Usage: npm run bench:profile -- [--config task:preset:PxG[:algo]] [--steps N] [--top N] [--update-docs]';

function parseArgs(argv: string[]) {
  const a = { config: 'countdown:tiny:8x8', steps: 3, top: 20, docs: false };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    const int = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`${f} needs a whole number ≥ 1\n${USAGE}`);
      return v;
    };
    if (f === '--') continue;
    else if (f === '--config') a.config = argv[++i] ?? '';
    else if (f === '--steps') a.steps = int();
    else if (f === '--top') a.top = int();
    else if (f === '--update-docs') a.docs = true;
    else if (f === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`Unknown option ${f}\n${USAGE}`);
  }
  return a;
}

interface Group {
  name: string;
  ms: number;
  count: number;
}

function groupBy(times: KernelTime[], key: (t: KernelTime) => string, steps: number): Group[] {
  const m = new Map<string, Group>();
  for (const t of times) {
    const k = key(t);
    const g = m.get(k) ?? { name: k, ms: 0, count: 0 };
    g.ms += t.ms;
    g.count++;
    m.set(k, g);
  }
  return [...m.values()].map((g) => ({ ...g, ms: g.ms / steps, count: g.count / steps })).sort((x, y) => y.ms - x.ms);
}

function table(groups: Group[], total: number, what: string, top: number): string {
  const rows = groups.slice(0, top).map((g) => `| ${g.name.replace(/\|/g, '\\|')} | ${g.ms.toFixed(1)} | ${((100 * g.ms) / total).toFixed(1)} % | ${g.count.toFixed(0)} | ${((1000 * g.ms) / g.count).toFixed(0)} |`);
  return [`| ${what} | ms per step | share | dispatches per step | µs per dispatch |`, '| --- | ---: | ---: | ---: | ---: |', ...rows].join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const c = parseStepConfig(args.config);
  const config = benchRunConfig(c);
  const checkpoint = join(ROOT, 'public', defaultBasePath(config));
  if (!existsSync(checkpoint)) throw new Error(`No shipped base for ${c.task}/${c.preset} (${checkpoint}); profile a configuration that ships one`);
  const ctx = await createNodeContext({ label: 'bench-profile', timestamps: true });
  const trainer = new Trainer(ctx, config, await loadCheckpointFile(checkpoint));
  try {
    for (let i = 0; i < 2; i++) await trainer.step();
    const times = await ctx.profileKernels(async () => {
      for (let i = 0; i < args.steps; i++) await trainer.step();
    });
    const total = times.reduce((s, t) => s + t.ms, 0) / args.steps;
    const kernel = (t: KernelTime) => t.kernel;
    const shape = (t: KernelTime) => `${t.kernel} [${t.workgroups.join('×')}]`;
    const head = `${c.name} on ${ctx.adapter.name}: ${(times.length / args.steps).toFixed(0)} dispatches and ${total.toFixed(0)} ms of kernel time per step (mean of ${args.steps} steps after 2 warm-up steps; each dispatch timed in a pass of its own)`;
    const byKernel = table(groupBy(times, kernel, args.steps), total, 'kernel', args.top);
    console.log(`${head}\n\n${byKernel}\n\n${table(groupBy(times, shape, args.steps), total, 'kernel [workgroups]', args.top)}`);
    if (args.docs) {
      const doc = join(ROOT, 'docs/benchmarks.md');
      const body = `## Where a step's GPU time goes\n\n\`npm run bench:profile -- --config ${c.name} --steps ${args.steps}\` on ${new Date().toISOString().slice(0, 10)}: ${head}.\n\n${byKernel}`;
      writeFileSync(doc, replaceDocSection(readFileSync(doc, 'utf8'), 'bench:profile', body));
      console.error('wrote docs/benchmarks.md');
    }
  } finally {
    trainer.dispose();
    ctx.destroy();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
