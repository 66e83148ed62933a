// The Markdown page of npm run gpu:report, from its JSON.

import type { MatmulTiming } from './matmul-node';
import type { StepBenchResult } from './step-bench';
import { phaseTable, stepTable } from './step-report';

export interface TestSummary {
  passed: number;
  failed: number;
  total: number;
  failures: string[];
  seconds: number;
  timedOut: boolean;
  error?: string;
}

export interface RoverSummary {
  stepsAsked: number;
  stepsDone: number;
  medianStepMs: number | null;
  finalReward: number | null;
  baseEval: Record<string, number> | null;
  finalEval: Record<string, number> | null;
  seconds: number;
  timedOut: boolean;
}

export interface GpuReport {
  date: string;
  adapter: string;
  software: boolean;
  info: { vendor: string; architecture: string; device: string; description: string };
  /** nvidia-smi's name, driver version and memory, where it exists. */
  driver: string | null;
  vulkan: { loader: string | null; drivers: string[]; driversFrom: string };
  cores: number;
  load: number;
  peakGflops: number | null;
  tests: TestSummary | null;
  matmul: MatmulTiming[];
  /** True when the matmul part ran out of its time budget. */
  matmulCut: boolean;
  step: StepBenchResult[] | null;
  stepNote: string | null;
  rover: RoverSummary | null;
  seconds: number;
}

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)} %`);
const evalLine = (e: Record<string, number> | null) => (e ? Object.entries(e).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ') : '–');

function matmulTable(rows: readonly MatmulTiming[]): string {
  const lines = ['| shape M×K×N | where | nn GFLOP/s | nt GFLOP/s | tn GFLOP/s | best of peak |', '| --- | --- | ---: | ---: | ---: | ---: |'];
  const keys = [...new Set(rows.map((r) => `${r.M}x${r.K}x${r.N}|${r.what}`))];
  for (const key of keys) {
    const rs = rows.filter((r) => `${r.M}x${r.K}x${r.N}|${r.what}` === key);
    const g = (l: string) => rs.find((r) => r.layout === l)?.gflops.toFixed(1) ?? '–';
    const best = Math.max(...rs.map((r) => r.ofPeak ?? -1));
    lines.push(`| ${rs[0].M}×${rs[0].K}×${rs[0].N} | ${rs[0].what} | ${g('nn')} | ${g('nt')} | ${g('tn')} | ${best < 0 ? '–' : pct(best)} |`);
  }
  return lines.join('\n');
}

export function gpuReportMarkdown(r: GpuReport): string {
  const t = r.tests;
  const tests = !t
    ? 'not run'
    : `${t.passed} of ${t.total} passed, ${t.failed} failed, in ${t.seconds.toFixed(0)} s${t.timedOut ? ' (cut at its time budget)' : ''}${t.error ? ` (${t.error})` : ''}`;
  const failures = t && t.failures.length ? `\n\nFailed:\n\n${t.failures.map((f) => `- ${f}`).join('\n')}` : '';
  const rover = r.rover;
  return `# GPU report

${r.date.slice(0, 16).replace('T', ' ')} UTC, ${r.seconds.toFixed(0)} s in all.${r.software ? '\n\n**This run is on a software adapter (--allow-cpu): it tests the script, it says nothing about a GPU.**' : ''}

| | |
| --- | --- |
| adapter | ${r.adapter} |
| adapter info | vendor "${r.info.vendor}", architecture "${r.info.architecture}", device "${r.info.device}", description "${r.info.description}" |
| driver (nvidia-smi) | ${r.driver ?? '–'} |
| Vulkan loader | ${r.vulkan.loader ?? 'none found'} |
| Vulkan drivers (${r.vulkan.driversFrom}) | ${r.vulkan.drivers.join(', ') || '–'} |
| CPU cores, load average | ${r.cores}, ${r.load.toFixed(1)} |
| FP32 peak | ${r.peakGflops ? `${r.peakGflops} GFLOP/s (datasheet or --peak-gflops)` : 'unknown (pass --peak-gflops)'} |

## GPU unit tests

${tests}${failures}

## Matmul

GFLOP/s counts 2·M·K·N per product; each figure is the median of 3 batches of
back-to-back products, each batch at least 50 ms and ended by one wait for the
GPU. The model's shapes are each preset's block over a 2048-row batch.${r.matmulCut ? ' The part ran out of its time budget before the last shapes.' : ''}

${r.matmul.length ? matmulTable(r.matmul) : 'not run'}

## Training step (bench:step)

${r.step ? `${stepTable(r.step)}\n\nPhases (median ms; dispatches / submits / readbacks):\n\n${phaseTable(r.step)}` : (r.stepNote ?? 'not run')}

## ROVER on the tree task

Lesson 4's settings (tiny, P = 4, G = 16, 4 minibatches, ρ = 0.3, seed 1):
${rover ? `${rover.stepsDone} of ${rover.stepsAsked} steps in ${rover.seconds.toFixed(0)} s${rover.timedOut ? ' (cut at its time budget)' : ''}, median step ${rover.medianStepMs === null ? '–' : `${rover.medianStepMs.toFixed(0)} ms`}, final reward ${rover.finalReward?.toFixed(3) ?? '–'}.
Base: ${evalLine(rover.baseEval)}. Final: ${evalLine(rover.finalEval)}.` : 'not run'}
`;
}
