// npm run bench:redraw [-- --seconds 60] [--windows 1] [--comparison three-algorithms] [--builds prod,dev] [--no-docs]
//
// How long the lab's main thread is blocked while runs train: the lab is served
// (a production build through vite preview, and the dev server), headless
// Chromium opens it at 1280×800, launches a ready-made comparison (three runs
// by default) and records every main-thread task over 50 ms (the Long Tasks
// API) and every long animation frame with the scripts it ran, for a fixed
// time. The table goes to stdout and its section of docs/benchmarks.md.
//
// On a CPU adapter the runs' workers and the page share the same cores, so a
// task's duration includes the time the main thread waited for a core; the
// "script" column (the long animation frames' script time) is what the page's
// own code cost.

import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from '../../e2e/browser';
import { replaceDocSection } from '../bench/doc-section';
import { LAB_BUILDS, type LabBuild, readyComparison, serveLab } from '../bench/lab-server';
import { EXPERIMENTS } from '../app/experiments';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Args {
  seconds: number;
  windows: number;
  comparison: string;
  builds: LabBuild[];
  docs: boolean;
}

const USAGE = `Usage: npm run bench:redraw -- [--seconds N] [--windows N] [--comparison ID] [--builds prod,dev] [--no-docs]
  --seconds N        how long to record after launching (default 60)
  --windows N        how many windows per build, each in a fresh browser (default 1)
  --comparison ID    the ready-made comparison to launch (default three-algorithms; ids: ${EXPERIMENTS.map((e) => e.id).join(', ')})
  --builds LIST      prod (vite build + preview) and/or dev (the dev server of npm run dev); default prod,dev
  --no-docs          do not rewrite docs/benchmarks.md`;

function parseArgs(argv: string[]): Args {
  const a: Args = { seconds: 60, windows: 1, comparison: 'three-algorithms', builds: [...LAB_BUILDS], docs: true };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${f} needs a value\n${USAGE}`);
      return v;
    };
    if (f === '--') continue;
    else if (f === '--seconds') {
      a.seconds = Number(value());
      if (!(a.seconds >= 5)) throw new Error('--seconds: at least 5');
    } else if (f === '--windows') {
      a.windows = Number(value());
      if (!(Number.isInteger(a.windows) && a.windows >= 1)) throw new Error('--windows: a whole number, at least 1');
    } else if (f === '--comparison') {
      a.comparison = value();
      if (!EXPERIMENTS.some((e) => e.id === a.comparison)) throw new Error(`--comparison: no comparison "${a.comparison}"\n${USAGE}`);
    } else if (f === '--builds') {
      const list = value().split(',');
      const bad = list.find((b) => !(LAB_BUILDS as readonly string[]).includes(b));
      if (bad) throw new Error(`--builds: "${bad}" is neither prod nor dev`);
      a.builds = list as LabBuild[];
    } else if (f === '--no-docs') a.docs = false;
    else if (f === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`Unknown option ${f}\n${USAGE}`);
  }
  return a;
}

interface Sample {
  build: LabBuild;
  window: number;
  /** From a Chromium trace of the same window: the main thread's tasks, wall time and the thread's CPU time, in ms. */
  traced: { wall: number; cpu: number }[];
  runs: number;
  steps: number;
  longTasks: number[];
  /** When the longest task began, in seconds after the launch click; null without one. */
  longestAt: number | null;
  /** Per long animation frame: its duration and the script time inside it. */
  frames: Frame[];
}

/** One long animation frame: when, how long, its script time and its scripts (longest first). */
interface Frame {
  start: number;
  duration: number;
  script: number;
  /** Style and layout time at the frame's end (rendering). */
  layout: number;
  top: string;
  scripts: { duration: number; what: string }[];
}

declare global {
  interface Window {
    __redraw: { t0: number; tasks: { duration: number; start: number }[]; frames: Frame[] };
  }
}

/** Installed before the lab's own scripts: collects long tasks and long animation frames. */
function observe(): void {
  window.__redraw = { t0: 0, tasks: [], frames: [] };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__redraw.tasks.push({ duration: e.duration, start: e.startTime });
  }).observe({ type: 'longtask', buffered: true });
  try {
    new PerformanceObserver((list) => {
      type Script = { duration: number; invoker?: string; sourceFunctionName?: string; sourceURL?: string; sourceCharPosition?: number };
      type Entry = { startTime: number; duration: number; styleAndLayoutStart?: number; scripts?: Script[] };
      for (const e of list.getEntries() as unknown as Entry[]) {
        const scripts = [...(e.scripts ?? [])].sort((x, y) => y.duration - x.duration);
        const what = (x: Script) => `${x.invoker ?? ''} ${x.sourceFunctionName ?? ''} ${(x.sourceURL ?? '').split('/').pop()}:${x.sourceCharPosition ?? ''}`.trim();
        const top = scripts[0];
        window.__redraw.frames.push({
          start: e.startTime,
          duration: e.duration,
          script: scripts.reduce((s, x) => s + x.duration, 0),
          layout: e.styleAndLayoutStart ? e.startTime + e.duration - e.styleAndLayoutStart : 0,
          top: top ? `${top.invoker ?? ''} ${top.sourceFunctionName ?? ''}`.trim() : '',
          scripts: scripts.slice(0, 4).map((x) => ({ duration: x.duration, what: what(x) })),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch {
    // Older Chromium without long animation frames: the long-task column still stands.
  }
}

interface TraceEvent {
  ph: string;
  name: string;
  ts: number;
  pid: number;
  tid: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

/**
 * The renderer main thread's top-level tasks in a Chromium trace: wall time
 * (dur) and the thread's own CPU time (tdur). On a machine whose cores the
 * training workers keep busy, a task's wall time includes waiting for a core;
 * its CPU time is what the page's work cost.
 */
function mainThreadTasks(trace: { traceEvents: TraceEvent[] }): { wall: number; cpu: number }[] {
  const main = new Set(trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const tasks = trace.traceEvents.filter((e) => e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && main.has(`${e.pid}:${e.tid}`)).sort((a, b) => a.ts - b.ts);
  // A task can run inside another (a nested run loop); only the outermost counts.
  const outer: TraceEvent[] = [];
  for (const e of tasks) {
    const last = outer.at(-1);
    if (last && e.ts < last.ts + (last.dur ?? 0)) continue;
    outer.push(e);
  }
  return outer.map((e) => ({ wall: (e.dur ?? 0) / 1000, cpu: (e.tdur ?? 0) / 1000 }));
}

async function measure(build_: LabBuild, nth: number, args: Args): Promise<Sample> {
  const { url, close } = await serveLab(ROOT, build_);
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (err) => console.error(`[page] ${err.message}`));
    await page.addInitScript(observe);
    await page.goto(url);
    const launch = await readyComparison(page, args.comparison);
    await page.evaluate(() => {
      window.__redraw.tasks.length = 0;
      window.__redraw.frames.length = 0;
      window.__redraw.t0 = performance.now();
    });
    await browser.startTracing(page, { categories: ['toplevel'] });
    await launch.click();
    console.error(`${build_} window ${nth}: recording ${args.seconds} s after launching "${args.comparison}"…`);
    await page.waitForTimeout(args.seconds * 1000);
    const got = await page.evaluate(() => window.__redraw);
    const traced = mainThreadTasks(JSON.parse((await browser.stopTracing()).toString('utf8')));
    const runs = await page.locator('li.run').count();
    // Each run card's progress bar holds its step; their sum is how much training happened meanwhile.
    const steps = await page.locator('li.run progress').evaluateAll((bars) => bars.reduce((s, b) => s + (b as HTMLProgressElement).value, 0));
    const longest = [...got.tasks].sort((a, b) => b.duration - a.duration)[0];
    // What ran in the frames that overlap each long task (stderr: a diagnosis, not part of the table).
    for (const t of got.tasks) {
      const overlapping = got.frames.filter((f) => f.start < t.start + t.duration && t.start < f.start + f.duration);
      console.error(`  task ${ms(t.duration)} ms at ${((t.start - got.t0) / 1000).toFixed(1)} s:`);
      for (const f of overlapping) console.error(`    frame ${ms(f.duration)} ms, script ${ms(f.script)} ms, style+layout ${ms(f.layout)} ms; ${f.scripts.map((x) => `${ms(x.duration)} ms ${x.what}`).join('; ')}`);
    }
    return { build: build_, window: nth, traced, runs, steps, longTasks: got.tasks.map((t) => t.duration), longestAt: longest ? (longest.start - got.t0) / 1000 : null, frames: got.frames };
  } finally {
    await browser.close();
    await close();
  }
}

const ms = (x: number) => `${Math.round(x)}`;

function table(samples: Sample[], args: Args): string {
  const lines = [
    '| build | window | runs | steps in the window | tasks > 50 ms | longest task ms | longest began, s after launch | long frames | longest frame: script ms | top script of the longest frame | traced tasks | longest task CPU ms | tasks > 50 ms of CPU |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
  ];
  for (const s of samples) {
    const worst = [...s.frames].sort((a, b) => b.script - a.script)[0];
    lines.push(
      `| ${s.build} | ${s.window} | ${s.runs} | ${s.steps} | ${s.longTasks.length} | ${ms(Math.max(0, ...s.longTasks))} | ${s.longestAt === null ? '—' : s.longestAt.toFixed(1)} | ${s.frames.length} | ${worst ? ms(worst.script) : '—'} | ${worst?.top.replace(/\|/g, '\\|') || '—'} | ${s.traced.length} | ${Math.max(0, ...s.traced.map((t) => t.cpu)).toFixed(1)} | ${s.traced.filter((t) => t.cpu > 50).length} |`,
    );
  }
  const all = samples.flatMap((s) => s.traced);
  const over = samples.reduce((n, s) => n + s.longTasks.length, 0);
  const summary = `Over all ${samples.length} windows: ${over} tasks over 50 ms of wall time; of ${all.length} traced tasks the costliest took ${Math.max(0, ...all.map((t) => t.cpu)).toFixed(1)} ms of the main thread's CPU, and ${all.filter((t) => t.cpu > 50).length} took more than 50 ms.`;
  return `${lines.join('\n')}\n\n(${args.seconds} s after launching "${args.comparison}", each window in a fresh browser.) ${summary}`;
}

function markdown(samples: Sample[], args: Args, load: number): string {
  const date = new Date().toISOString().slice(0, 10);
  return `## Main-thread tasks while runs train

\`npm run bench:redraw\` on ${date}, headless Chromium at 1280×800; ${availableParallelism()} CPU cores, load average ${load.toFixed(1)} when the run began.

${table(samples, args)}

A task is anything the page's main thread ran without a break (script, style,
layout, paint), as the browser's Long Tasks API reports it; only tasks over
50 ms are reported, so "tasks > 50 ms" counts the ones that could make the
page feel stuck. "Script ms" is the script time inside the longest long
animation frame. The runs train in Web Workers on the same cores, so on a CPU
adapter a task's wall time also contains the time the main thread waited for
a core. The last three columns come from a Chromium trace of the same window
(category \`toplevel\`): every task the renderer's main thread ran, with the
thread's own CPU time beside its wall time, which separates what the page's
work cost from waiting for a core. prod is
the production build \`npm start\` serves (\`vite build\`, then \`vite preview\`); dev is the
development server (\`npm run dev\`), where React runs its development checks.`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const load = loadavg()[0];
  const samples: Sample[] = [];
  for (const b of args.builds) for (let w = 1; w <= args.windows; w++) samples.push(await measure(b, w, args));
  console.log(table(samples, args));
  if (args.docs) {
    const docs = join(ROOT, 'docs/benchmarks.md');
    writeFileSync(docs, replaceDocSection(readFileSync(docs, 'utf8'), 'bench:redraw', markdown(samples, args, load)));
    console.error('wrote docs/benchmarks.md');
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
