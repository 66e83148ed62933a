// npm run bench:browser-step [-- --configs countdown:tiny:8x8,paths:tiny:8x8] [--baseline REF] [--reps 5] [--warmup 1] [--update-docs]
//
// The training step timed where the lab runs it: a Trainer in headless
// Chromium's WebGPU (src/bench/browser-step.html), from the shipped base of
// each configuration, and with --baseline the same in a page served from a
// worktree of an older commit. The contenders take turns step by step in one
// browser; medians. The step runs on the page's thread rather than in a Worker
// as in the lab; both wait on the GPU the same way (npm run bench:wait).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Page, chromium } from '@playwright/test';
import { chromiumLaunchOptions } from '../../e2e/browser';
import { type Baseline, prepareBaseline } from '../bench/baseline';
import type { BrowserStep } from '../bench/browser-step-page';
import { replaceDocSection } from '../bench/doc-section';
import { serveLab } from '../bench/lab-server';
import { BENCH_RUN_STEPS, benchRunConfig, parseStepConfigs } from '../bench/step-configs';
import { median } from '../metrics/stats';
import { defaultBasePath } from '../worker/api';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PAGE_FILES = ['src/bench/browser-step.html', 'src/bench/browser-step-page.ts'];
const DEFAULT_CONFIGS = 'countdown:tiny:8x8,paths:tiny:8x8';
const USAGE = `Usage: npm run bench:browser-step -- [--configs LIST (default ${DEFAULT_CONFIGS}; each needs a shipped base)] [--baseline REF] [--reps N (≥ 5)] [--warmup N] [--update-docs]`;

function parseArgs(argv: string[]) {
  const a = { configs: DEFAULT_CONFIGS, baseline: null as string | null, reps: 5, warmup: 1, docs: false };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${f} needs a value\n${USAGE}`);
      return v;
    };
    if (f === '--') continue;
    else if (f === '--configs') a.configs = value();
    else if (f === '--baseline') a.baseline = value();
    else if (f === '--reps') a.reps = Number(value());
    else if (f === '--warmup') a.warmup = Number(value());
    else if (f === '--update-docs') a.docs = true;
    else throw new Error(`unknown argument ${f}\n${USAGE}`);
  }
  if (!Number.isInteger(a.reps) || a.reps < 5) throw new Error(`--reps must be an integer ≥ 5\n${USAGE}`);
  if (!Number.isInteger(a.warmup) || a.warmup < 0) throw new Error(`--warmup must be an integer ≥ 0\n${USAGE}`);
  return { ...a, configs: parseStepConfigs(a.configs) };
}

async function openPage(browser: Awaited<ReturnType<typeof chromium.launch>>, url: string, name: string): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (err) => console.error(`[${name}] ${err.message}`));
  await page.goto(`${url}src/bench/browser-step.html`);
  await page.waitForFunction(() => window.stepBenchReady === true, null, { timeout: 180_000 });
  return page;
}

interface Row {
  config: string;
  ours: number;
  old: number | null;
  dispatches: number;
}

try {
  const args = parseArgs(process.argv.slice(2));
  const loadBefore = loadavg()[0];
  const baseline: Baseline | null = args.baseline ? prepareBaseline(ROOT, args.baseline, PAGE_FILES) : null;
  if (baseline) console.error(`bench:browser-step: baseline ${baseline.ref} = ${baseline.commit} in ${baseline.dir}${baseline.copied.length ? ` (copied in: ${baseline.copied.join(', ')})` : ''}`);
  const servers: { close: () => Promise<void> }[] = [];
  const browser = await chromium.launch(chromiumLaunchOptions());
  const rows: Row[] = [];
  let adapter = '';
  try {
    const mine = await serveLab(ROOT, 'dev', { page: PAGE_FILES[0] });
    servers.push(mine);
    const ours = await openPage(browser, mine.url, 'ours');
    let old: Page | null = null;
    if (baseline) {
      const theirs = await serveLab(baseline.dir, 'dev', { cache: '.vite-bench-baseline', page: PAGE_FILES[0] });
      servers.push(theirs);
      old = await openPage(browser, theirs.url, `baseline ${baseline.commit}`);
    }
    for (const c of args.configs) {
      const config = benchRunConfig(c);
      const file = resolve(ROOT, 'public', defaultBasePath(config));
      if (!existsSync(file)) throw new Error(`${c.name}: no shipped base at public/${defaultBasePath(config)}; this bench runs the shipped ones`);
      const init = { checkpoint: readFileSync(file).toString('base64'), config, startStep: Math.round(c.at * BENCH_RUN_STEPS) };
      const start = (page: Page) => page.evaluate((i) => window.stepBench!.init(i.checkpoint, i.config, i.startStep), init);
      const step = (page: Page): Promise<BrowserStep> => page.evaluate(() => window.stepBench!.step());
      adapter = await start(ours);
      if (old) await start(old);
      const mineMs: number[] = [], theirsMs: number[] = [];
      let dispatches = 0;
      for (let r = 0; r < args.warmup + args.reps; r++) {
        const a = await step(ours);
        const b = old ? await step(old) : null;
        const timed = r >= args.warmup;
        if (timed) {
          mineMs.push(a.ms);
          dispatches = a.dispatches;
          if (b) theirsMs.push(b.ms);
        }
        console.error(`bench:browser-step: ${c.name}: ${timed ? `rep ${r - args.warmup + 1}/${args.reps}` : `warm-up ${r + 1}`}: ours ${a.ms.toFixed(0)} ms${b ? `, baseline ${b.ms.toFixed(0)} ms` : ''}`);
      }
      rows.push({ config: c.name, ours: median(mineMs), old: old ? median(theirsMs) : null, dispatches });
    }
  } finally {
    await browser.close();
    for (const s of servers) await s.close();
    baseline?.remove();
  }
  const table = [
    `| configuration | ours ms | ${baseline ? `${baseline.commit} ms | speed-up | ` : ''}dispatches |`,
    `| --- | ---: | ${baseline ? '---: | ---: | ' : ''}---: |`,
    ...rows.map((r) => `| ${r.config} | ${r.ours.toFixed(0)} | ${r.old !== null ? `${r.old.toFixed(0)} | ${(r.old / r.ours).toFixed(2)}× | ` : ''}${r.dispatches} |`),
  ].join('\n');
  console.log(`adapter: ${adapter}; ${availableParallelism()} cores, load average ${loadBefore.toFixed(1)} at the start\n\n${table}`);
  if (args.docs) {
    const body = `## Training step in the browser

\`npm run bench:browser-step -- --configs ${args.configs.map((c) => c.name).join(',')}${baseline ? ` --baseline ${baseline.ref}` : ''}\` on ${new Date().toISOString().slice(0, 10)}, headless Chromium, adapter: **${adapter}**; ${availableParallelism()} CPU cores, load average ${loadBefore.toFixed(1)} when the run began.

${table}

Each configuration trains from its shipped base with the lab's defaults, in a page of the dev server (${baseline ? `the baseline's page is served from a worktree of ${baseline.commit}, in the same browser; ` : ''}the contenders take turns step by step: ${args.warmup} warm-up, then ${args.reps} timed steps each, medians; a step is timed until the GPU has finished all it submitted, so work one contender leaves queued is not charged to the next). The step runs on the page's thread, not in a Worker as in the lab; both await the GPU without polling (bench:wait).`;
    const path = join(ROOT, 'docs/benchmarks.md');
    writeFileSync(path, replaceDocSection(readFileSync(path, 'utf8'), 'bench:browser-step', body));
    console.error('wrote docs/benchmarks.md');
  }
  process.exit(0);
} catch (e) {
  console.error(`bench:browser-step: ${(e as Error).message}`);
  process.exit(1);
}
