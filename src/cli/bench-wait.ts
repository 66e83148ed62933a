// npm run bench:wait [-- --reps N] [--rounds N] [--update-docs]
//
// How much CPU the thread that awaits the GPU burns while it waits. The same
// job (src/bench/busy-job.ts: one kernel dispatched N times) is awaited three
// ways, taking turns round by round: in Node with a plain await, in Node
// through waitSleeping (src/gpu/node-wait.ts, what createNodeContext uses),
// and in headless Chromium's renderer (src/bench/wait.html). CPU times come
// from /proc (Linux): in Node the main thread against the process's other
// threads (SwiftShader's among them); in Chromium the renderer process
// against the GPU process. Medians over the rounds.

import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from '../../e2e/browser';
import { busyJob } from '../bench/busy-job';
import { replaceDocSection } from '../bench/doc-section';
import { serveLab } from '../bench/lab-server';
import { summarizeAdapter } from '../gpu/context';
import { nodeGpu } from '../gpu/node';
import { waitSleeping } from '../gpu/node-wait';
import { median } from '../metrics/stats';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const USAGE = 'Usage: npm run bench:wait -- [--reps N (dispatches per job, default 12)] [--rounds N (default 3)] [--update-docs]';

function parseArgs(argv: string[]) {
  const a = { reps: 12, rounds: 3, docs: false };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    const int = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`${f} needs a positive integer\n${USAGE}`);
      return v;
    };
    if (f === '--') continue;
    else if (f === '--reps') a.reps = int();
    else if (f === '--rounds') a.rounds = int();
    else if (f === '--update-docs') a.docs = true;
    else throw new Error(`unknown argument ${f}\n${USAGE}`);
  }
  return a;
}

/** CPU ms (user + system) of /proc/<path>/stat. */
function cpuMs(statPath: string): number {
  const st = readFileSync(statPath, 'utf8');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // clock ticks at USER_HZ = 100
}

/** This process: its main thread and all its threads. */
function nodeCpu(): { waiting: number; total: number } {
  return { waiting: cpuMs(`/proc/self/task/${process.pid}/stat`), total: cpuMs('/proc/self/stat') };
}

/** Chromium's processes by type (renderer, gpu-process, …), summed. */
function chromiumCpu(): Map<string, number> {
  const byType = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!/chrom/i.test(cmd.split('\0')[0] ?? '')) continue;
      const type = /--type=([a-z-]+)/.exec(cmd)?.[1] ?? 'browser';
      byType.set(type, (byType.get(type) ?? 0) + cpuMs(`/proc/${pid}/stat`));
    } catch {
      // The process ended while we looked.
    }
  }
  return byType;
}

interface Sample {
  waitedMs: number;
  waitingCpuMs: number;
  adapterCpuMs: number;
}

function summary(samples: Sample[]): Sample {
  return { waitedMs: median(samples.map((s) => s.waitedMs)), waitingCpuMs: median(samples.map((s) => s.waitingCpuMs)), adapterCpuMs: median(samples.map((s) => s.adapterCpuMs)) };
}

try {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync('/proc/self/stat')) throw new Error('this benchmark reads CPU times from /proc (Linux only)');
  const loadBefore = loadavg()[0];
  const gpu = await nodeGpu();
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter in Node');
  const adapterName = summarizeAdapter(adapter.info as GPUAdapterInfo | undefined).name;
  const device = await adapter.requestDevice({ label: 'bench-wait' });

  const server = await serveLab(ROOT, 'dev', { page: 'src/bench/wait.html' });
  const browser = await chromium.launch(chromiumLaunchOptions());
  const rows: Record<'plain' | 'sleeping' | 'chromium', Sample[]> = { plain: [], sleeping: [], chromium: [] };
  try {
    const page = await browser.newPage();
    page.on('pageerror', (err) => console.error(`[page] ${err.message}`));
    await page.goto(`${server.url}src/bench/wait.html`);
    await page.waitForFunction(() => window.waitReady === true || window.waitError !== undefined, null, { timeout: 120_000 });
    const pageError = await page.evaluate(() => window.waitError);
    if (pageError) throw new Error(`the page found no WebGPU: ${pageError}`);
    // Warm-up: pipelines compiled on both sides.
    await busyJob(device, 1);
    await page.evaluate(() => window.runBusyJob!(1));

    const inNode = async (wait?: <T>(work: Promise<T>) => Promise<T>): Promise<Sample> => {
      const a = nodeCpu();
      const waitedMs = await busyJob(device, args.reps, wait);
      const b = nodeCpu();
      return { waitedMs, waitingCpuMs: b.waiting - a.waiting, adapterCpuMs: b.total - a.total - (b.waiting - a.waiting) };
    };
    for (let r = 0; r < args.rounds; r++) {
      rows.plain.push(await inNode());
      rows.sleeping.push(await inNode(waitSleeping));
      const a = chromiumCpu();
      const waitedMs = await page.evaluate((reps) => window.runBusyJob!(reps), args.reps);
      const b = chromiumCpu();
      const delta = (type: string) => (b.get(type) ?? 0) - (a.get(type) ?? 0);
      rows.chromium.push({ waitedMs, waitingCpuMs: delta('renderer'), adapterCpuMs: delta('gpu-process') });
      console.error(`bench:wait: round ${r + 1}/${args.rounds}: plain ${rows.plain[r].waitedMs.toFixed(0)} ms, sleeping ${rows.sleeping[r].waitedMs.toFixed(0)} ms, chromium ${waitedMs.toFixed(0)} ms`);
    }
  } finally {
    await browser.close();
    await server.close();
    device.destroy();
  }

  const label = {
    plain: 'Node, plain `await` | main thread | the process’s other threads',
    sleeping: 'Node, `waitSleeping` (createNodeContext) | main thread | the process’s other threads',
    chromium: 'Chromium, the page’s `await` | renderer process | GPU process',
  };
  const table = [
    '| waiting | waited ms | the waiting side | its CPU ms | the adapter’s side | their CPU ms |',
    '| --- | ---: | --- | ---: | --- | ---: |',
    ...(['plain', 'sleeping', 'chromium'] as const).map((k) => {
      const s = summary(rows[k]);
      const [how, who, other] = label[k].split(' | ');
      return `| ${how} | ${s.waitedMs.toFixed(0)} | ${who} | ${s.waitingCpuMs.toFixed(0)} | ${other} | ${s.adapterCpuMs.toFixed(0)} |`;
    }),
  ].join('\n');
  console.log(table);
  if (args.docs) {
    const body = `## Waiting on the GPU: the waiting thread's CPU

\`npm run bench:wait\` on ${new Date().toISOString().slice(0, 10)}, adapter: **${adapterName}** (Node) and headless Chromium's; ${availableParallelism()} CPU cores, load average ${loadBefore.toFixed(1)} when the run began.

${table}

The same job (src/bench/busy-job.ts: ${args.reps} dispatches of one kernel) is awaited three ways, taking turns, ${args.rounds} rounds, medians. CPU times come from /proc. A waiting side whose CPU time is near the time it waited spins a core; on a CPU adapter that core is one the adapter's threads need. Node's contexts wait through \`waitSleeping\` (src/gpu/node-wait.ts); the lab's run workers await in a renderer process like this page's, whose promises come back from the GPU process without polling.`;
    const path = join(ROOT, 'docs/benchmarks.md');
    writeFileSync(path, replaceDocSection(readFileSync(path, 'utf8'), 'bench:wait', body));
    console.error('wrote docs/benchmarks.md');
  }
  process.exit(0);
} catch (e) {
  console.error(`bench:wait: ${(e as Error).message}`);
  process.exit(1);
}
