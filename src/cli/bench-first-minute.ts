// npm run bench:first-minute [-- --seeds 1,2,3] [--no-docs]
//
// How soon the lab's quick comparison shows its difference, as a new user
// would see it: the production build in headless Chromium at 1280×800, a
// fresh profile, the launcher's first comparison (GRPO against ROVER on the
// trees base, src/rl/experiments.ts "quick") launched with each seed. The
// runs' rows are read from the lab's IndexedDB every half second; the times
// are from the click. Written to stdout and to docs/teaching.md.

import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from '../../e2e/browser';
import { EXPERIMENTS } from '../app/experiments';
import { replaceDocSection } from '../bench/doc-section';
import { readyComparison, serveLab } from '../bench/lab-server';
import type { MetricsRow } from '../rl/types';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Entropy curves this far apart (nats, on an axis of about 0–1.1) read as apart at a glance. */
const ENTROPY_GAP = 0.2;
const LIMIT_S = 240;

interface Timeline {
  seed: number;
  firstPoints: number | null;
  entropyApart: number | null;
  entropyApartStep: number | null;
  distinctApart: number | null;
  distinctApartStep: number | null;
  done: number | null;
  final: { grpo: number | null; rover: number | null };
}

function parseArgs(argv: string[]): { seeds: number[]; docs: boolean } {
  const a = { seeds: [1, 2, 3], docs: true };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    if (f === '--') continue;
    else if (f === '--seeds') {
      a.seeds = (argv[++i] ?? '').split(',').map(Number);
      if (a.seeds.length === 0 || a.seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new Error('--seeds: a comma-separated list of whole numbers');
    } else if (f === '--no-docs') a.docs = false;
    else throw new Error(`Unknown option ${f}. Usage: npm run bench:first-minute -- [--seeds 1,2,3] [--no-docs]`);
  }
  return a;
}

type Snapshot = { algo: string; status: string; rows: MetricsRow[] }[];

/** Every run's algorithm, status and rows, read in the page from the lab's IndexedDB. */
async function snapshot(page: import('@playwright/test').Page): Promise<Snapshot> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const r = indexedDB.open('rlvr-lab');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const all = <T,>(store: string) =>
      new Promise<T[]>((ok, fail) => {
        const r = db.transaction(store).objectStore(store).getAll();
        r.onsuccess = () => ok(r.result as T[]);
        r.onerror = () => fail(r.error);
      });
    const runs = await all<{ id: string; status: string; config: { algo: string } }>('runs');
    const rows = await new Promise<{ key: unknown[]; value: MetricsRow }[]>((ok, fail) => {
      const out: { key: unknown[]; value: MetricsRow }[] = [];
      const r = db.transaction('rows').objectStore('rows').openCursor();
      r.onsuccess = () => {
        const c = r.result;
        if (!c) return ok(out);
        out.push({ key: c.key as unknown[], value: c.value as MetricsRow });
        c.continue();
      };
      r.onerror = () => fail(r.error);
    });
    db.close();
    return runs.map((run) => ({ algo: run.config.algo, status: run.status, rows: rows.filter((x) => x.key[0] === run.id).map((x) => x.value) }));
  });
}

function entropies(rows: MetricsRow[]): Map<number, number> {
  return new Map(rows.flatMap((r) => (r.kind === 'train' ? [[r.step, r.entropy] as [number, number]] : [])));
}

function distincts(rows: MetricsRow[]): Map<number, number> {
  return new Map(rows.flatMap((r) => (r.kind === 'eval' ? [[r.step, r.distinctCorrect] as [number, number]] : [])));
}

async function measure(url: string, seed: number): Promise<Timeline> {
  const browser = await chromium.launch(chromiumLaunchOptions());
  const t: Timeline = { seed, firstPoints: null, entropyApart: null, entropyApartStep: null, distinctApart: null, distinctApartStep: null, done: null, final: { grpo: null, rover: null } };
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (err) => console.error(`[page] ${err.message}`));
    await page.goto(url);
    const quick = EXPERIMENTS[0];
    if (quick.shipped !== 'quick') throw new Error(`The launcher's first comparison is ${quick.id}, not the quick experiment`);
    const launch = await readyComparison(page, quick.id);
    await page.getByLabel('Seed', { exact: true }).fill(String(seed));
    const t0 = performance.now();
    await launch.click();
    const since = () => (performance.now() - t0) / 1000;
    while (since() < LIMIT_S) {
      await page.waitForTimeout(500);
      const runs = await snapshot(page);
      const grpo = runs.find((r) => r.algo === 'grpo'), rover = runs.find((r) => r.algo === 'rover');
      if (!grpo || !rover) continue;
      const [eg, er] = [entropies(grpo.rows), entropies(rover.rows)];
      if (t.firstPoints === null && eg.size > 0 && er.size > 0) t.firstPoints = since();
      if (t.entropyApart === null)
        for (const [step, h] of eg)
          if (er.has(step) && er.get(step)! - h >= ENTROPY_GAP) {
            t.entropyApart = since();
            t.entropyApartStep = step;
            break;
          }
      const [dg, dr] = [distincts(grpo.rows), distincts(rover.rows)];
      if (t.distinctApart === null)
        for (const [step, d] of dg)
          if (step > 0 && dr.has(step) && dr.get(step)! - d >= 1) {
            t.distinctApart = since();
            t.distinctApartStep = step;
            break;
          }
      if (runs.every((r) => r.status === 'done')) {
        t.done = since();
        const last = (m: Map<number, number>) => (m.size ? m.get(Math.max(...m.keys()))! : null);
        t.final = { grpo: last(dg), rover: last(dr) };
        break;
      }
      if (runs.some((r) => r.status === 'error')) throw new Error(`seed ${seed}: a run failed`);
    }
  } finally {
    await browser.close();
  }
  return t;
}

const sec = (x: number | null, step?: number | null) => (x === null ? 'not within the run' : `${Math.round(x)} s${step !== undefined && step !== null ? ` (step ${step})` : ''}`);

function table(ts: Timeline[]): string {
  const lines = [
    '| seed | first points | entropy curves ≥ 0.2 nats apart | distinct correct ≥ 1 apart at an evaluation | both runs done | distinct correct at the end, GRPO / ROVER |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const t of ts) lines.push(`| ${t.seed} | ${sec(t.firstPoints)} | ${sec(t.entropyApart, t.entropyApartStep)} | ${sec(t.distinctApart, t.distinctApartStep)} | ${sec(t.done)} | ${t.final.grpo?.toFixed(2) ?? '—'} / ${t.final.rover?.toFixed(2) ?? '—'} |`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const load = loadavg()[0];
  const { url, close } = await serveLab(ROOT, 'prod');
  const ts: Timeline[] = [];
  try {
    for (const seed of args.seeds) {
      console.error(`seed ${seed}…`);
      ts.push(await measure(url, seed));
    }
  } finally {
    await close();
  }
  console.log(table(ts));
  if (args.docs) {
    const doc = join(ROOT, 'docs/teaching.md');
    const body = `## The first minute: the quick comparison, timed

\`npm run bench:first-minute -- --seeds ${args.seeds.join(',')}\` on ${new Date().toISOString().slice(0, 10)}: the production build in headless Chromium at 1280×800 on the CPU adapter (SwiftShader), ${availableParallelism()} cores, load average ${load.toFixed(1)} at the start; a fresh profile each time, the launcher's first comparison ("${EXPERIMENTS[0].title}") launched with each seed. Times are from the click; the charts draw a point up to about two seconds after its row exists (they redraw once a second, in turns).

${table(ts)}

The two runs (GRPO at lr 10⁻², ROVER at ρ = 3, lr 10⁻², 30 steps, evaluations every 5 steps on 16 prompts × 32 samples) train side by side, one worker each. The first points include compiling the GPU pipelines. Over seeds 1–5 in Node (\`npm run compare -- --experiment quick\`, docs/results.md) GRPO's entropy fell below ROVER's on every seed and its distinct correct solutions below ROVER's on four of five.`;
    writeFileSync(doc, replaceDocSection(readFileSync(doc, 'utf8'), 'bench:first-minute', body));
    console.error('wrote docs/teaching.md');
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
