// The GPU trainer's whole update held to the plain TypeScript reference of
// one RLVR step (reference/step.ts): the same batch of rollouts, the same
// parameters and AdamW moments going in, the updated parameters and every
// metric of the train row coming out.
//
// The state going in is perturbed away from the base (θ ≠ θ_ref, non-zero
// moments), so swapping π_ref and π_old changes the result, and the
// temperature is not 1, so a ratio computed at the wrong τ does too. Rewards
// are set by the test (the random base rarely solves anything): a fixed
// pattern with a constant group among them.

import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, type Checkpoint } from '../model/checkpoint';
import { randomBase } from '../testing/base-model';
import { randn, testContext } from '../testing/gpu';
import { Rng } from '../util/rng';
import { defaultRunConfig, type RunConfig } from './config';
import { referenceStep, type StepReferenceMetrics, type StepReferenceState } from './reference/step';
import type { TrainerOptions } from './phases';
import { type TrainBatch, Trainer } from './trainer';
import type { TrainRow } from './types';

const STEPS = 9;
const runConfig = (over: Partial<RunConfig>): RunConfig => ({
  ...defaultRunConfig(),
  task: 'countdown', prompts: 3, group: 4, minibatches: 4, steps: STEPS, temperature: 0.7,
  lr: 3e-3, evalEvery: 0, evalPrompts: 1, evalSamples: 2, seed: 5, klEvery: 1,
  ...over,
});

let cachedBase: Checkpoint | null = null;
const base = () => (cachedBase ??= randomBase('countdown', {}, { dModel: 16, nLayers: 2, nHeads: 2 }, 3));

/** Rewards per row: mixed groups, and the last group constant (zero advantage). */
function fixedRewards(S: number, G: number, seed: number): Float32Array {
  const rng = new Rng(seed, 3);
  const levels = [0, 0.25, 1];
  const r = Float32Array.from({ length: S }, () => levels[Math.floor(rng.float() * levels.length)]);
  r.fill(0.25, S - G);
  for (let p = 0; p + 1 < S / G; p++) {
    r[p * G] = 1;
    r[p * G + 1] = 0;
  }
  return r;
}

/** A saved state of `trainer`'s run with perturbed parameters, non-zero moments and the given step count. */
async function perturbedState(trainer: Trainer, stepIndex: number, seed: number): Promise<{ buffer: ArrayBuffer; state: StepReferenceState }> {
  const file = decodeSafetensors(await trainer.saveState());
  const params = new Float32Array(file.tensors.get('params')!.bytes).slice();
  const noise = randn(params.length, seed, 0.02);
  for (let i = 0; i < params.length; i++) params[i] += noise[i];
  const m = randn(params.length, seed + 1, 1e-3);
  const v = Float32Array.from(randn(params.length, seed + 2, 1e-3), (x) => x * x);
  const adamStep = 3;
  const buffer = encodeSafetensors(
    [
      { name: 'params', shape: [params.length], data: params },
      { name: 'optimizer.exp_avg', shape: [m.length], data: m },
      { name: 'optimizer.exp_avg_sq', shape: [v.length], data: v },
    ],
    { ...file.metadata, step: String(stepIndex), 'adam-step': String(adamStep), 'evaluated-at': String(stepIndex) },
  );
  return { buffer, state: { params, m, v, adamStep } };
}

/** Countdown's prompt-only characters (space, '>' and ':'), as token ids of the base's alphabet. */
function outsideAnswer(b: Checkpoint): number[] {
  const ids = [...b.meta.alphabet].flatMap((ch, i) => (' >:'.includes(ch) ? [i + 3] : []));
  expect(ids).toHaveLength(3);
  return ids;
}

interface StepComparison {
  row: TrainRow;
  reference: ReturnType<typeof referenceStep>;
  before: StepReferenceState;
  after: { params: Float32Array; m: Float32Array; v: Float32Array };
}

/** Runs one GPU update and the reference on the same batch from the same perturbed state. */
async function compareStep(over: Partial<RunConfig>, stepIndex = 2, seed = 7, withSamplerStats = true, options: TrainerOptions = {}): Promise<StepComparison> {
  const ctx = await testContext();
  const config = runConfig(over);
  const b = base();
  const trainer = new Trainer(ctx, config, b, options);
  if (options.packPrompts !== undefined) expect(trainer.packPrompts).toBe(options.packPrompts);
  try {
    const { buffer, state: before } = await perturbedState(trainer, stepIndex, seed);
    trainer.loadState(buffer);
    const sampled = await trainer.sampleBatch();
    const sampledRows = withSamplerStats ? sampled.rollouts.sample : { ...sampled.rollouts.sample, gpu: undefined };
    const batch: TrainBatch = { ...sampled, rollouts: { ...sampled.rollouts, sample: sampledRows, rewards: fixedRewards(sampled.rollouts.sample.R, config.group, seed) } };
    const row = await trainer.trainOn(batch);
    const file = decodeSafetensors(await trainer.saveState());
    const read = (name: string) => new Float32Array(file.tensors.get(name)!.bytes);
    const after = { params: read('params'), m: read('optimizer.exp_avg'), v: read('optimizer.exp_avg_sq') };
    const { sample, rewards } = batch.rollouts;
    const reference = referenceStep({
      layout: b.layout, config, state: before, baseParams: b.params, stepIndex, maxLen: trainer.maxNewTokens,
      excludedTokens: config.decoding === 'answer' ? outsideAnswer(b) : [],
      batch: { S: sample.R, T: sample.T, tokens: sample.tokens, mask: sample.mask, rewards },
    });
    return { row, reference, before, after };
  } finally {
    trainer.dispose();
  }
}

/** ‖Δ_gpu − Δ_ref‖ / ‖Δ_ref‖ for the change each side made to `before`. */
function relativeUpdateError(before: Float32Array, gpu: Float32Array, ref: Float32Array): number {
  let diff = 0, norm = 0;
  for (let i = 0; i < before.length; i++) {
    const dg = gpu[i] - before[i], dr = ref[i] - before[i];
    diff += (dg - dr) ** 2;
    norm += dr ** 2;
  }
  return Math.sqrt(diff / norm);
}

const METRIC_KEYS = ['loss', 'rewardMean', 'rewardStd', 'fracRewardZeroStd', 'entropy', 'kl', 'clipLow', 'clipHigh', 'varABefore', 'varAAfter', 'samplesKept', 'tokensKept', 'completionLength', 'gradNorm'] as const satisfies readonly (keyof StepReferenceMetrics)[];

/**
 * Tolerances, from the agreement measured on correct wiring (float32 GPU
 * against float64-accumulating references, through 4–8 AdamW steps, on
 * SwiftShader): the parameter update agrees to 1–4·10⁻⁶ relative and the
 * metrics to ~10⁻⁷; each broken wiring tried moves the update by far more.
 */
const UPDATE_TOL = 5e-4;
const METRIC_ATOL = 1e-4;
const METRIC_RTOL = 1e-3;

function expectStepAgrees(c: StepComparison): void {
  const update = relativeUpdateError(c.before.params, c.after.params, c.reference.state.params);
  expect(update, 'parameter update: ‖Δθ_gpu − Δθ_ref‖ / ‖Δθ_ref‖').toBeLessThan(UPDATE_TOL);
  expect(relativeUpdateError(c.before.m, c.after.m, c.reference.state.m), 'first moment').toBeLessThan(UPDATE_TOL);
  for (const key of METRIC_KEYS) {
    const want = c.reference.metrics[key];
    const got = c.row[key];
    if (want === null) {
      expect(got, key).toBeNull();
      continue;
    }
    expect(got, key).not.toBeNull();
    expect(Math.abs((got as number) - want), `${key}: GPU ${got}, reference ${want}`).toBeLessThanOrEqual(METRIC_ATOL + METRIC_RTOL * Math.abs(want));
  }
}

const CASES: [string, Partial<RunConfig>, number?][] = [
  ['GRPO, token-mean', { algo: 'grpo' }],
  ['GRPO, seq-mean-token-mean', { algo: 'grpo', aggregation: 'seq-mean-token-mean' }],
  ['GRPO, seq-mean-token-sum-norm', { algo: 'grpo', aggregation: 'seq-mean-token-sum-norm' }],
  ['GRPO, β = 0.05', { algo: 'grpo', beta: 0.05 }],
  ['GRPO, positive only', { algo: 'grpo', polarity: 'positive' }],
  ['GRPO, negative only', { algo: 'grpo', polarity: 'negative' }],
  ['GRPO, advantages unscaled', { algo: 'grpo', advScale: 'none' }],
  ['GRPO, clip-higher, 2 sweeps at lr 2e-2 (clipping active)', { algo: 'grpo', epsLow: 0.1, epsHigh: 0.28, updatesPerBatch: 2, lr: 2e-2 }],
  ['GRPO, 1 minibatch', { algo: 'grpo', minibatches: 1 }],
  ['GRPO, 1 minibatch, 2 sweeps', { algo: 'grpo', minibatches: 1, updatesPerBatch: 2 }],
  ['ROVER, centred, ρ = 1', { algo: 'rover' }],
  ['ROVER, centred, ρ = 3, 2 sweeps', { algo: 'rover', rho: 3, updatesPerBatch: 2 }],
  ['ROVER, std, ρ = 0.3', { algo: 'rover', roverReward: 'std', rho: 0.3 }],
  ['D³S, start of schedule', { algo: 'd3s' }, 0],
  ['D³S, middle of schedule', { algo: 'd3s' }, Math.floor(STEPS / 2)],
  ['D³S, end of schedule', { algo: 'd3s' }, STEPS - 1],
  ['GRPO, decoding restricted to the answer alphabet', { algo: 'grpo', decoding: 'answer' }],
  ['ROVER, ρ = 3, decoding restricted to the answer alphabet', { algo: 'rover', rho: 3, decoding: 'answer' }],
  ['D³S, 1 minibatch, 2 sweeps', { algo: 'd3s', minibatches: 1, updatesPerBatch: 2 }, 3],
];

describe('the whole training step against its reference', () => {
  it.each(CASES)('%s', async (_name, over, stepIndex) => {
    const c = await compareStep(over, stepIndex);
    expectStepAgrees(c);
  });

  // The cases above run the update over packed rows (each group's prompt once), these over dense rows.
  it.each([CASES[0], CASES[2], CASES[11], CASES[14]])('%s, dense rows', async (_name, over, stepIndex) => {
    expectStepAgrees(await compareStep(over, stepIndex, 7, true, { packPrompts: false }));
  });

  it('packs the update’s rows on this adapter by default', async () => {
    const ctx = await testContext();
    const trainer = new Trainer(ctx, runConfig({}), base());
    expect(trainer.packPrompts).toBe(ctx.adapter.isSoftware);
    trainer.dispose();
  });

  it('GRPO and ROVER with π_old from a forward pass instead of the sampler (a batch sampled elsewhere)', async () => {
    expectStepAgrees(await compareStep({ algo: 'grpo' }, 2, 7, false));
    expectStepAgrees(await compareStep({ algo: 'rover', rho: 3 }, 2, 7, false));
  });

  it('with decoding restricted to the answer alphabet, no completion holds a prompt-only character', async () => {
    const ctx = await testContext();
    const b = base();
    const excluded = new Set(outsideAnswer(b));
    const sampledIds = async (decoding: 'full' | 'answer') => {
      const trainer = new Trainer(ctx, runConfig({ algo: 'grpo', decoding }), b);
      try {
        const { sample } = (await trainer.sampleBatch()).rollouts;
        const ids: number[] = [];
        for (let r = 0; r < sample.R; r++) for (let j = 0; j < sample.completionLengths[r]; j++) ids.push(sample.tokens[r * sample.T + sample.promptLengths[r] + j]);
        return ids;
      } finally {
        trainer.dispose();
      }
    };
    // The random base emits prompt-only characters freely; restricted, never.
    expect((await sampledIds('full')).some((id) => excluded.has(id))).toBe(true);
    const restricted = await sampledIds('answer');
    expect(restricted.length).toBeGreaterThan(0);
    expect(restricted.some((id) => excluded.has(id))).toBe(false);
  });

  it('clipping is active where the test means it to be, and D³S keeps fewer tokens at the start than at the end', async () => {
    const clipped = await compareStep(CASES[7][1]);
    expect((clipped.row.clipLow ?? 0) + (clipped.row.clipHigh ?? 0)).toBeGreaterThan(0);
    const start = await compareStep({ algo: 'd3s' }, 0);
    const end = await compareStep({ algo: 'd3s' }, STEPS - 1);
    expect(start.row.samplesKept).toBeLessThan(end.row.samplesKept);
    expect(start.row.tokensKept).toBeLessThan(end.row.tokensKept);
  });
});
