// The tables npm run bench:step prints and writes into docs/benchmarks.md.

import { STEP_PHASES } from '../rl/phases';
import type { StepBenchResult, StepBenchRun } from './step-bench';
import type { StepCounts } from './phase-timer';

export const STEP_DOC_SECTION = 'bench:step';

const ms = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const times = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${x.toFixed(2)}×`);
const count = (x: number | null | undefined) => (x === null || x === undefined ? '–' : String(Math.round(x)));
const counts = (c: StepCounts | undefined) => (c ? `${count(c.dispatches)} / ${count(c.submits)} / ${count(c.readbacks)}` : '–');

export function stepTable(results: readonly StepBenchResult[]): string {
  const withOld = results.some((r) => r.old_ms !== undefined);
  const head = ['configuration', 'ours ms', 'PyTorch ms', 'ours / PyTorch', ...(withOld ? ['baseline ms', 'speed-up'] : []), 'dispatches', 'submits', 'readbacks'];
  const lines = [`| ${head.join(' | ')} |`, `| --- |${' ---: |'.repeat(head.length - 1)}`];
  for (const r of results) {
    const cells = [r.config, ms(r.ours_ms), ms(r.peer_ms), times(r.ratio), ...(withOld ? [ms(r.old_ms), times(r.speedup)] : []), count(r.dispatches), count(r.submits), count(r.readbacks)];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Each phase's median time, and dispatches / submits / readbacks, ours; the peer's phase times below. */
export function phaseTable(results: readonly StepBenchResult[]): string {
  const head = ['configuration', ...STEP_PHASES];
  const lines = [`| ${head.join(' | ')} |`, `| --- |${' ---: |'.repeat(STEP_PHASES.length)}`];
  for (const r of results) {
    lines.push(`| ${r.config} ms | ${STEP_PHASES.map((p) => ms(r.phases[p])).join(' | ')} |`);
    lines.push(`| ${r.config} d / s / r | ${STEP_PHASES.map((p) => counts(r.phase_counts[p])).join(' | ')} |`);
    if (r.peer_phases) lines.push(`| ${r.config} PyTorch ms | ${STEP_PHASES.map((p) => ms(r.peer_phases![p])).join(' | ')} |`);
  }
  return lines.join('\n');
}

export function stepDocsSection(run: StepBenchRun, warmup: number): string {
  const peer = 'missing' in run.peer ? `no PyTorch peer (${run.peer.missing})` : `PyTorch ${run.peer.torch} on the CPU (${run.peer.blas}), all ${run.cores} cores`;
  const reps = run.results[0]?.reps ?? 0;
  const baseline = run.baseline ? ` The baseline is commit ${run.baseline.commit} (\`--baseline ${run.baseline.ref}\`), timed in the same run.` : '';
  const busy = run.load > run.cores
    ? ' The load average was above the core count: other work shared the machine, so these figures are noisy, the PyTorch side most (its threads spin-wait for cores that are busy).'
    : '';
  return `## Training step: ours against PyTorch

\`npm run bench:step\` on ${run.date.slice(0, 10)}, adapter: **${run.adapter}**; ${run.cores} CPU cores, load average ${run.load.toFixed(1)} when the run began; peer: ${peer}.${busy}

${stepTable(run.results)}

Phases (median ms; then dispatches / submits / readbacks of ours):

${phaseTable(run.results)}

A configuration is task:preset:P×G[:algorithm] (GRPO unless named), from the
shipped base checkpoint of that task and preset (a randomly initialised one
for the base preset, which ships none), with the lab's default settings
otherwise (4 minibatches, 1 sweep, temperature 1). Each contender is a
long-lived process; they take turns step by step (ours, PyTorch${run.baseline ? ', baseline' : ''}), never at
once: ${warmup} warm-up step${warmup === 1 ? '' : 's'} each, then ${reps} timed steps, and each figure is the median.${baseline}
A step is timed until the GPU has finished all it submitted (a baseline runs
our worker file where its commit has none), so work one contender leaves
queued is not charged to the next.
Counts are per step, from the GPU context's counters (a readback is one
GPU→CPU round trip). The phase rows come from as many further steps of ours
with the phase timer on, which waits for the GPU at each phase boundary so
GPU work is charged to the phase that recorded it (that wait adds up to one
submit per phase).

The peer (src/bench/step_peer.py) is the same step written in PyTorch: the same
GPT and weights (read from the same safetensors; the bench checks once that
its logits equal our reference forward's), the same prompts, batch and
completion budget, the same KV-cache sampling loop (the common prompt prefix
in one forward, then one position at a time), π_ref and π_old forwards, group
advantages, and one forward + backward + AdamW update per minibatch with
GRPO's clipped loss (also beside a ROVER or D³S step of ours). Its rewards come from a stand-in (the parity of each
completion's token sum) instead of the task's verifier, which is a negligible
phase of ours; its completions, and so its sequence lengths, follow its own
sampling. The peer runs dense right-padded rows and prefills every row, while
ours prefills once per prompt and decodes each row from its own prompt's end
and (on a CPU adapter) runs the update over packed rows, each group's prompt
once (docs/architecture.md); the peer could do the same, so the ratio includes that saving of work on our side, and the
baseline column measures it against the older code. On a shared machine both sides move with the load; the ratio,
measured under the same conditions, is the steadier figure.`;
}
