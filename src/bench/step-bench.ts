// npm run bench:step's measurement: for each configuration, our training step
// (a step worker process), the PyTorch peer (step_peer.py) and optionally an
// older commit's step (--baseline), each a long-lived process spoken to in JSON
// lines, taking turns step by step — never two at once. Medians of the timed
// steps; then as many steps again with the phase timer, for the phase table.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median } from '../metrics/stats';
import { loadCheckpointFile, saveCheckpointFile } from '../model/checkpoint-node';
import { STEP_PHASES } from '../rl/phases';
import { completionBudget, makeProblems } from '../rl/rollout';
import { defaultBasePath } from '../worker/api';
import { getTask, resolveConfig } from '../tasks/registry';
import { CharTokenizer } from '../tasks/tokenizer';
import { randomPresetBase } from '../testing/base-model';
import { type Baseline, SLEEPING_WAIT_ENV, WORKER_ENTRY, prepareBaseline } from './baseline';
import { LineProcess } from './json-lines';
import { type PeerCheck, type TorchPython, checkPeerForward, findTorchPython, isReferenceBlas, startPeer } from './peer';
import type { PhaseSample, StepCounts } from './phase-timer';
import { BENCH_RUN_STEPS, type StepConfig, benchRunConfig } from './step-configs';

export interface StepBenchOptions {
  root: string;
  configs: StepConfig[];
  warmup: number;
  reps: number;
  /** A commit to time beside the current code, or null. */
  baseline: string | null;
  /** The baseline waits on the GPU sleeping, as ours does (src/gpu/node-wait.ts), instead of its own way. */
  baselineSleeping?: boolean;
  peer: boolean;
  /** May install Debian's python3-torch / OpenBLAS (as root on Debian). */
  install: boolean;
}

export interface StepBenchResult extends StepCounts {
  config: string;
  ours_ms: number;
  peer_ms: number | null;
  ratio: number | null;
  /** The --baseline commit's step, and how many times faster ours is. */
  old_ms?: number | null;
  speedup?: number | null;
  phases: Record<string, number>;
  phase_counts: Record<string, StepCounts>;
  peer_phases: Record<string, number> | null;
  /** The checkpoint file, or "random init" for a preset that ships none. */
  base: string;
  peer_check: PeerCheck | null;
  reps: number;
}

export interface StepBenchRun {
  date: string;
  adapter: string;
  cores: number;
  /** One-minute load average when the run began. */
  load: number;
  peer: TorchPython | { missing: string };
  baseline: { ref: string; commit: string; copied: string[] } | null;
  results: StepBenchResult[];
}

interface WorkerStep extends StepCounts {
  ms: number;
  phases: Record<string, PhaseSample> | null;
}

const nullableMedian = (xs: (number | null)[]) => (xs.some((x) => x === null) || xs.length === 0 ? null : median(xs as number[]));

function medianCounts(samples: StepCounts[]): StepCounts {
  return {
    dispatches: median(samples.map((s) => s.dispatches)),
    submits: median(samples.map((s) => s.submits)),
    readbacks: nullableMedian(samples.map((s) => s.readbacks)),
  };
}

function workerProcess(name: string, cwd: string, env: NodeJS.ProcessEnv = {}): LineProcess {
  return new LineProcess(name, process.execPath, ['src/cli/launch.js', WORKER_ENTRY], { cwd, env: { ...process.env, ...env } });
}

export async function runStepBench(o: StepBenchOptions, log: (line: string) => void = console.error): Promise<StepBenchRun> {
  const load = loadavg()[0];
  const peerPython = o.peer ? findTorchPython(o.install) : { missing: 'not asked for (--no-peer)' };
  if ('missing' in peerPython) log(`bench: no PyTorch peer: ${peerPython.missing}; timing our side only`);
  else {
    log(`bench: peer ${peerPython.python}, torch ${peerPython.torch}, BLAS ${peerPython.blas}`);
    if (isReferenceBlas(peerPython.blas)) log('bench: warning: torch runs on the reference BLAS (slow); install OpenBLAS (Debian: apt-get install libopenblas0-pthread) for a fair peer');
  }
  const scratch = mkdtempSync(join(tmpdir(), 'rlvr-bench-'));
  let baseline: Baseline | null = null;
  const procs: LineProcess[] = [];
  try {
    if (o.baseline) {
      baseline = prepareBaseline(o.root, o.baseline);
      log(`bench: baseline ${o.baseline} = ${baseline.commit} in ${baseline.dir}${baseline.copied.length ? ` (copied in: ${baseline.copied.join(', ')})` : ''}`);
    }
    const ours = workerProcess('ours', o.root);
    procs.push(ours);
    const old = baseline ? workerProcess(`baseline ${baseline.commit}`, baseline.dir, o.baselineSleeping ? { [SLEEPING_WAIT_ENV]: '1' } : {}) : null;
    if (old && o.baselineSleeping) log(`bench: the baseline waits on the GPU sleeping (${SLEEPING_WAIT_ENV})`);
    if (old) procs.push(old);
    let adapter = '';
    const results: StepBenchResult[] = [];
    for (const c of o.configs) {
      const config = benchRunConfig(c);
      const shipped = resolve(o.root, 'public', defaultBasePath(config));
      let checkpoint = shipped, baseNote = `public/${defaultBasePath(config)}`;
      if (!existsSync(shipped)) {
        const random = randomPresetBase(c.task, c.preset, config.seed);
        checkpoint = join(scratch, `${c.task}-${c.preset}-random.safetensors`);
        await saveCheckpointFile(checkpoint, random.layout, random.params, { alphabet: random.meta.alphabet, task: c.task, taskConfig: random.meta.taskConfig, step: 0 });
        baseNote = 'random init';
      }
      const base = await loadCheckpointFile(checkpoint);
      const task = getTask(c.task);
      const taskConfig = resolveConfig(task, base.meta.taskConfig as never);
      const tokenizer = new CharTokenizer(base.meta.alphabet);
      const startStep = Math.round(c.at * BENCH_RUN_STEPS);
      // The prompts our trainer draws at step k, so the peer decodes the same batch shapes.
      const promptsAt = (k: number) => makeProblems(task, taskConfig, tokenizer, 'train', config.seed, k * config.prompts, config.prompts).map((p) => p.ids);

      const init = { cmd: 'init', checkpoint, config, startStep };
      const reply = await ours.request(init);
      adapter = String(reply.adapter);
      if (old) {
        const oldReply = await old.request(init);
        if (o.baselineSleeping && oldReply.sleepingWait !== true) throw new Error(`the baseline's step worker (its own, from ${baseline!.commit}) cannot wait sleeping; drop --baseline-sleeping-wait`);
      }
      let peer: LineProcess | null = null;
      let peerCheck: PeerCheck | null = null;
      if (!('missing' in peerPython)) {
        peer = await startPeer(peerPython, { checkpoint, config, maxNewTokens: completionBudget(task, taskConfig, config.decoding) });
        procs.push(peer);
        peerCheck = await checkPeerForward(peer, base, promptsAt(startStep).slice(0, 2));
        log(`bench: ${c.name}: peer forward ${peerCheck.ok ? '=' : '≠'} our reference forward (max |Δlogit| ${peerCheck.maxAbsDiff.toExponential(1)} over ${peerCheck.values} logits, |logit| ≤ ${peerCheck.maxAbsLogit.toFixed(1)})`);
      }

      const timed: { ours: WorkerStep; peer: number | null; peerPhases: Record<string, number> | null; old: number | null }[] = [];
      let peerStep = startStep;
      for (let i = 0; i < o.warmup + o.reps; i++) {
        // Alternate: ours, then the peer, then the baseline, one step each.
        const mine = (await ours.request({ cmd: 'step', phases: false })) as unknown as WorkerStep;
        const theirs = peer ? await peer.request({ cmd: 'step', prompts: promptsAt(peerStep++) }) : null;
        const before = old ? ((await old.request({ cmd: 'step', phases: false })) as unknown as WorkerStep) : null;
        const line = `ours ${mine.ms.toFixed(0)} ms${theirs ? `, peer ${(theirs.ms as number).toFixed(0)} ms` : ''}${before ? `, baseline ${before.ms.toFixed(0)} ms` : ''}`;
        if (i < o.warmup) {
          log(`bench: ${c.name}: warm-up ${i + 1}: ${line}`);
          continue;
        }
        log(`bench: ${c.name}: rep ${i - o.warmup + 1}/${o.reps}: ${line}; ${mine.dispatches} dispatches, ${mine.submits} submits, ${mine.readbacks ?? '–'} readbacks`);
        timed.push({ ours: mine, peer: theirs ? (theirs.ms as number) : null, peerPhases: theirs ? (theirs.phases as Record<string, number>) : null, old: before ? before.ms : null });
      }
      const phased: Record<string, PhaseSample>[] = [];
      for (let i = 0; i < o.reps; i++) {
        const s = (await ours.request({ cmd: 'step', phases: true })) as unknown as WorkerStep;
        if (s.phases) phased.push(s.phases);
      }
      if (peer) {
        await peer.close();
        procs.splice(procs.indexOf(peer), 1);
      }

      const oursMs = median(timed.map((t) => t.ours.ms));
      const peerMs = nullableMedian(timed.map((t) => t.peer));
      const phases: Record<string, number> = {};
      const phaseCounts: Record<string, StepCounts> = {};
      for (const name of STEP_PHASES) {
        const samples = phased.map((p) => p[name]).filter((s): s is PhaseSample => !!s);
        if (samples.length === 0) continue;
        phases[name] = median(samples.map((s) => s.ms));
        phaseCounts[name] = medianCounts(samples);
      }
      const peerPhases = peer ? Object.fromEntries(STEP_PHASES.map((n) => [n, median(timed.map((t) => t.peerPhases?.[n] ?? 0))])) : null;
      const result: StepBenchResult = {
        config: c.name,
        ours_ms: oursMs,
        peer_ms: peerMs,
        ratio: peerMs ? oursMs / peerMs : null,
        ...medianCounts(timed.map((t) => t.ours)),
        phases,
        phase_counts: phaseCounts,
        peer_phases: peerPhases,
        base: baseNote,
        peer_check: peerCheck,
        reps: timed.length,
      };
      if (old) {
        const oldMs = nullableMedian(timed.map((t) => t.old));
        result.old_ms = oldMs;
        result.speedup = oldMs ? oldMs / oursMs : null;
      }
      results.push(result);
    }
    return { date: new Date().toISOString(), adapter, cores: availableParallelism(), load, peer: peerPython, baseline: baseline ? { ref: baseline.ref, commit: baseline.commit, copied: baseline.copied } : null, results };
  } finally {
    await Promise.all(procs.map((p) => p.close()));
    baseline?.remove();
    rmSync(scratch, { recursive: true, force: true });
  }
}
