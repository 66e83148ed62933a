// npm run gpu:report [-- --out DIR] [--peak-gflops N] [--minutes 8] [--allow-cpu] …
//
// The engine checked and measured on a hardware GPU in one go (Dawn in Node;
// on Linux over Vulkan): the GPU unit tests, matmul throughput against the
// card's FP32 peak, the training step for every preset, and a 200-step ROVER
// run on the tree task. Writes DIR/gpu-report.json and DIR/gpu-report.md.
// Refuses a software adapter (SwiftShader and the like): numbers from a CPU
// must never pass for a GPU's. How to run it on a rented machine: docs/gpu-report.md.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild } from '../bench/child-run';
import { LAYOUTS, type MatmulTiming, fp32PeakGflops, reportShapes, timeMatmul } from '../bench/matmul-node';
import { type GpuReport, type RoverSummary, type TestSummary, gpuReportMarkdown } from '../bench/gpu-report-md';
import type { StepBenchResult } from '../bench/step-bench';
import { summarizeAdapter } from '../gpu/context';
import { createNodeContext, nodeGpu } from '../gpu/node';
import { describeVulkan } from '../gpu/node-env.js';
import { median } from '../metrics/stats';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const USAGE = `Usage: npm run gpu:report -- [options]
  --out DIR             where gpu-report.json and gpu-report.md go (default runs/gpu-report)
  --peak-gflops N       the card's FP32 peak, when its name is not in the table
  --minutes M           time budget of the whole report (default 8); each part gets its share
  --tests PATHS         test files or folders, comma-separated (default src/gpu,src/model)
  --step-configs LIST   bench:step configurations (default countdown:tiny:8x8,countdown:small:8x8,countdown:base:8x8)
  --step-reps N         timed steps per configuration (default 5)
  --rover-steps N       steps of the ROVER run on the tree task (default 200)
  --big N               the large matmul cube (default 2048)
  --allow-cpu           run on a software adapter anyway (only to test this script)`;
/** Shares of the time budget; what a part leaves unused is not passed on, so each stays predictable. */
const SHARES = { tests: 0.3, matmul: 0.12, step: 0.3, rover: 0.28 };

function parseArgs(argv: string[]) {
  const a = { out: 'runs/gpu-report', peak: null as number | null, minutes: 8, tests: 'src/gpu,src/model', stepConfigs: 'countdown:tiny:8x8,countdown:small:8x8,countdown:base:8x8', stepReps: 5, roverSteps: 200, big: 2048, allowCpu: false };
  const value = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    return v;
  };
  const num = (i: number, flag: string) => {
    const v = Number(value(i, flag));
    if (!(v > 0)) throw new Error(`${flag} must be a positive number, got "${argv[i + 1]}"`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    if (f === '--') continue;
    else if (f === '--out') a.out = value(i++, f);
    else if (f === '--peak-gflops') a.peak = num(i++, f);
    else if (f === '--minutes') a.minutes = num(i++, f);
    else if (f === '--tests') a.tests = value(i++, f);
    else if (f === '--step-configs') a.stepConfigs = value(i++, f);
    else if (f === '--step-reps') a.stepReps = Math.round(num(i++, f));
    else if (f === '--rover-steps') a.roverSteps = Math.round(num(i++, f));
    else if (f === '--big') a.big = Math.round(num(i++, f));
    else if (f === '--allow-cpu') a.allowCpu = true;
    else if (f === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${f}\n${USAGE}`);
  }
  return a;
}

const launch = (entry: string, args: string[]) => [join(ROOT, 'src/cli/launch.js'), entry, ...args];

function nvidiaSmi(): string | null {
  const r = spawnSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout.trim() : null;
}

function testSummary(file: string, seconds: number, timedOut: boolean): TestSummary {
  if (!existsSync(file)) return { passed: 0, failed: 0, total: 0, failures: [], seconds, timedOut, error: 'vitest wrote no results' };
  const r = JSON.parse(readFileSync(file, 'utf8')) as { numPassedTests: number; numFailedTests: number; numTotalTests: number; testResults: { name: string; assertionResults: { status: string; fullName: string }[] }[] };
  const failures = r.testResults.flatMap((f) => f.assertionResults.filter((t) => t.status === 'failed').map((t) => `${f.name.replace(`${ROOT}/`, '')}: ${t.fullName}`));
  return { passed: r.numPassedTests, failed: r.numFailedTests, total: r.numTotalTests, failures, seconds, timedOut };
}

function roverSummary(dir: string, asked: number, seconds: number, timedOut: boolean): RoverSummary {
  const file = join(dir, 'metrics.jsonl');
  const rows = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : [];
  const train = rows.filter((r) => r.kind === 'train');
  const evals = rows.filter((r) => r.kind === 'eval') as { passAtK: { k: number; value: number }[] }[];
  const last = train[train.length - 1];
  const pass = (e: (typeof evals)[number] | undefined) => (e ? Object.fromEntries(e.passAtK.map((p) => [`pass@${p.k}`, p.value])) : null);
  return {
    stepsAsked: asked,
    stepsDone: train.length,
    medianStepMs: train.length ? median(train.map((r) => r.stepMs as number)) : null,
    finalReward: last ? (last.rewardMean as number) : null,
    baseEval: pass(evals[0]),
    finalEval: evals.length > 1 ? pass(evals[evals.length - 1]) : null,
    seconds,
    timedOut,
  };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const budgetMs = args.minutes * 60_000;
  const gpu = await nodeGpu();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('no WebGPU adapter found');
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const fallback = (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? info.isFallbackAdapter ?? false;
  const summary = summarizeAdapter(info, fallback);
  const software = summary.isSoftware || /\bcpu\b/i.test(`${info.description} ${info.architecture}`);
  const vulkan = describeVulkan(process.env);
  const smi = nvidiaSmi();
  console.error(`adapter: ${summary.name}${fallback ? ' (fallback adapter)' : ''}`);
  console.error(`adapter info: vendor "${info.vendor}", architecture "${info.architecture}", device "${info.device}", description "${info.description}"`);
  console.error(`driver: ${smi ?? info.description ?? 'unknown'}`);
  console.error(`Vulkan loader: ${vulkan.loader ?? 'none found'}; drivers (${vulkan.driversFrom}): ${vulkan.drivers.join(', ') || 'none'}`);
  if (software && !args.allowCpu) {
    console.error(
      `gpu:report: refusing to run: the adapter is ${summary.name}, a software (CPU) adapter, not a hardware GPU. ` +
        'Its figures would not describe a GPU. Install the GPU\'s Vulkan driver (and a Vulkan loader), or point VK_DRIVER_FILES at its manifest; see docs/gpu-report.md.',
    );
    return 3;
  }
  const out = resolve(args.out);
  mkdirSync(out, { recursive: true });
  const started = performance.now();
  const report: GpuReport = {
    date: new Date().toISOString(),
    adapter: summary.name,
    software,
    info: { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description },
    driver: smi,
    vulkan,
    cores: availableParallelism(),
    load: loadavg()[0],
    peakGflops: args.peak ?? fp32PeakGflops(`${summary.name} ${smi ?? ''}`),
    tests: null,
    matmul: [],
    matmulCut: false,
    step: null,
    stepNote: null,
    rover: null,
    seconds: 0,
  };

  // 1. The GPU unit tests: every kernel against its reference, the finite-difference checks, the model.
  const testsJson = join(out, 'gpu-tests.json');
  const vitest = join(ROOT, 'node_modules/vitest/vitest.mjs');
  const t = await runChild('tests', process.execPath, [vitest, 'run', ...args.tests.split(','), '--reporter=json', `--outputFile=${testsJson}`], budgetMs * SHARES.tests, join(out, 'gpu-tests.log'), ROOT);
  report.tests = testSummary(testsJson, t.seconds, t.timedOut);
  console.error(`tests: ${report.tests.passed}/${report.tests.total} passed${t.timedOut ? ' (cut at its time budget)' : ''}`);

  // 2. Matmul at the model's shapes and at big³, each layout.
  const ctx = await createNodeContext();
  const matmulUntil = performance.now() + budgetMs * SHARES.matmul;
  for (const shape of reportShapes(2048, args.big)) {
    for (const layout of LAYOUTS) {
      if (performance.now() > matmulUntil) report.matmulCut = true;
      if (report.matmulCut) break;
      const r: MatmulTiming = await timeMatmul(ctx, shape, layout, report.peakGflops);
      report.matmul.push(r);
      console.error(`matmul ${shape.M}×${shape.K}×${shape.N} ${layout}: ${r.gflops.toFixed(1)} GFLOP/s${r.ofPeak !== null ? ` (${(100 * r.ofPeak).toFixed(1)} % of peak)` : ''}`);
    }
  }
  ctx.destroy();

  // 3. The training step per preset, beside PyTorch on this machine's CPU.
  const stepJson = join(out, 'step.json');
  const stepArgs = ['--configs', args.stepConfigs, '--reps', String(args.stepReps), '--json', stepJson, '--no-install', ...(args.stepReps < 5 ? ['--quick'] : [])];
  const s = await runChild('bench:step', process.execPath, launch('src/cli/bench-step.ts', stepArgs), budgetMs * SHARES.step, join(out, 'step.log'), ROOT);
  if (existsSync(stepJson)) report.step = JSON.parse(readFileSync(stepJson, 'utf8')) as StepBenchResult[];
  else report.stepNote = s.timedOut ? `cut at its time budget (${((budgetMs * SHARES.step) / 1000).toFixed(0)} s) before it finished; see step.log` : `bench:step failed (exit ${s.code}); see step.log`;

  // 4. ROVER on the tree task (lesson 4's settings), as many of the steps as the budget allows.
  const roverDir = join(out, 'rover-tree');
  const roverArgs = ['--task', 'tree', '--algo', 'rover', '--preset', 'tiny', '--prompts', '4', '--group', '16', '--minibatches', '4', '--rho', '0.3', '--steps', String(args.roverSteps), '--evalEvery', '50', '--seed', '1', '--out', roverDir];
  const r = await runChild('rover', process.execPath, launch('src/cli/train.ts', roverArgs), budgetMs * SHARES.rover, join(out, 'rover.log'), ROOT);
  report.rover = roverSummary(roverDir, args.roverSteps, r.seconds, r.timedOut);

  report.seconds = (performance.now() - started) / 1000;
  writeFileSync(join(out, 'gpu-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(out, 'gpu-report.md'), gpuReportMarkdown(report));
  console.error(`wrote ${join(out, 'gpu-report.json')} and gpu-report.md (${report.seconds.toFixed(0)} s)`);
  return report.tests.failed > 0 || report.tests.total === 0 ? 1 : 0;
}

try {
  process.exit(await main());
} catch (e) {
  console.error(`gpu:report: ${(e as Error).message}`);
  process.exit(1);
}
