// The shipped experiments of `npm run compare -- --experiment NAME`: each is a
// fixed task, base checkpoint, preset, step count, evaluation size and set of
// arms, and names the effects it tests. The settings were chosen by the sweeps
// recorded in docs/results.md (on tuning seeds that the reported seeds never
// include); change them there and here together.

import { defaultRunConfig, type RunConfig } from './config';

/** The metrics every arm reports in summary.json (pass@k for every k besides these). */
export const ARM_METRICS = ['distinct_correct', 'coverage', 'entropy', 'well_formed', 'tokens_used'] as const;
export type ArmMetric = (typeof ARM_METRICS)[number] | `pass@${number}` | 'pass@max';

export interface ArmSpec {
  name: string;
  /** Settings over the experiment's common ones; null for the base model's step-0 evaluation. */
  train: Partial<RunConfig> | null;
}

/**
 * A claimed effect, tested on per-seed paired differences arm − than (or the
 * ratio arm / than): it holds when the 95 % interval of their IQM lies wholly
 * on the claimed side of `bound`.
 */
export interface EffectSpec {
  claim: string;
  metric: ArmMetric;
  arm: string;
  than: string;
  /** 'difference': arm − than must be above (or below) bound; 'ratio': arm / than. */
  kind: 'difference' | 'ratio';
  side: 'above' | 'below';
  bound: number;
}

export interface ExperimentSpec {
  name: string;
  title: string;
  /** Run settings shared by every training arm (task, preset, steps, evaluation, …). */
  common: Partial<RunConfig> & Pick<RunConfig, 'task' | 'preset' | 'steps' | 'evalPrompts' | 'evalSamples'>;
  /** Base checkpoint, from the repository root. */
  base: string;
  /** The seed count docs/results.md reports. */
  defaultSeeds: number;
  arms: ArmSpec[];
  effects: EffectSpec[];
}

/** Seeds the experiments were tuned on; reported runs start at --first-seed 1 and never reach them. */
export const TUNING_SEEDS = [101, 102, 103] as const;

const BASE_ARM: ArmSpec = { name: 'base', train: null };
/** ROVER at the settings its sweep chose (docs/results.md), in rover-diversity and quick. */
const ROVER_ARM: ArmSpec = { name: 'rover', train: { algo: 'rover', rho: 3, lr: 1e-2 } };

/** The base every experiment starts from: 16 trees, leaf-uniform (docs/base-models.md). */
const TREES_BASE = 'public/checkpoints/trees-tiny.safetensors';
/**
 * Shared by every experiment: decoding restricted to the actions (no EOS, no
 * prompt characters), so probability cannot leak out of the answer format;
 * under full decoding GRPO pushes EOS down until no completion is well-formed
 * (docs/results.md).
 */
const TREES = { task: 'trees', preset: 'tiny', decoding: 'answer', evalPrompts: 32, evalSamples: 64 } as const;

export const EXPERIMENTS: readonly ExperimentSpec[] = [
  {
    name: 'quick',
    title: 'GRPO narrows onto few solutions within 30 steps, ROVER stays broad',
    // Sized for a first look in the lab (about a minute on a CPU adapter): GRPO at a learning rate
    // high enough to narrow within 30 steps on every tuning seed, ROVER at the settings of rover-diversity.
    common: { ...TREES, steps: 30, evalEvery: 5, evalPrompts: 16, evalSamples: 32 },
    base: TREES_BASE,
    defaultSeeds: 5,
    arms: [BASE_ARM, { name: 'grpo', train: { algo: 'grpo', lr: 1e-2 } }, ROVER_ARM],
    effects: [
      { claim: 'GRPO finds fewer distinct correct solutions than the base', metric: 'distinct_correct', arm: 'grpo', than: 'base', kind: 'difference', side: 'below', bound: 0 },
      { claim: 'ROVER keeps more distinct correct solutions than GRPO', metric: 'distinct_correct', arm: 'rover', than: 'grpo', kind: 'difference', side: 'above', bound: 0 },
      { claim: 'GRPO’s entropy falls below ROVER’s', metric: 'entropy', arm: 'grpo', than: 'rover', kind: 'difference', side: 'below', bound: 0 },
    ],
  },
  {
    name: 'sharpening',
    title: 'GRPO sharpens: pass@1 rises, pass@k at large k falls below the base',
    common: { ...TREES, steps: 60, evalEvery: 10, lr: 3e-3 },
    base: TREES_BASE,
    defaultSeeds: 5,
    arms: [BASE_ARM, { name: 'grpo', train: { algo: 'grpo' } }],
    effects: [
      { claim: 'GRPO raises pass@1', metric: 'pass@1', arm: 'grpo', than: 'base', kind: 'difference', side: 'above', bound: 0 },
      { claim: 'GRPO lowers pass@k at the largest k', metric: 'pass@max', arm: 'grpo', than: 'base', kind: 'difference', side: 'below', bound: 0 },
      { claim: 'GRPO finds fewer distinct correct solutions', metric: 'distinct_correct', arm: 'grpo', than: 'base', kind: 'difference', side: 'below', bound: 0 },
    ],
  },
  {
    name: 'rover-diversity',
    title: 'ROVER keeps more distinct correct solutions than GRPO, and keeps large-k pass@k',
    common: { ...TREES, steps: 60, evalEvery: 20 },
    base: TREES_BASE,
    defaultSeeds: 5,
    arms: [BASE_ARM, { name: 'grpo', train: { algo: 'grpo', lr: 3e-3 } }, ROVER_ARM],
    effects: [
      { claim: 'ROVER keeps more distinct correct solutions than GRPO', metric: 'distinct_correct', arm: 'rover', than: 'grpo', kind: 'difference', side: 'above', bound: 0 },
      { claim: 'ROVER keeps more of the winning leaves (coverage) than GRPO', metric: 'coverage', arm: 'rover', than: 'grpo', kind: 'difference', side: 'above', bound: 0 },
      { claim: 'ROVER keeps large-k pass@k above GRPO', metric: 'pass@max', arm: 'rover', than: 'grpo', kind: 'difference', side: 'above', bound: 0 },
      { claim: 'ROVER raises pass@1 over the base', metric: 'pass@1', arm: 'rover', than: 'base', kind: 'difference', side: 'above', bound: 0 },
      { claim: 'ROVER reaches GRPO’s pass@1 (within 0.05)', metric: 'pass@1', arm: 'rover', than: 'grpo', kind: 'difference', side: 'above', bound: -0.05 },
    ],
  },
  {
    name: 'polarity',
    title: 'Positive-only reinforcement sharpens; negative-only keeps large-k pass@k',
    // GRPO's own group advantages, one sign kept; nsr-pm1 is negative-only as its paper defines it: −1 for a failure, no baseline, so a group that fails entirely is still pushed.
    common: { ...TREES, steps: 60, evalEvery: 20, evalPrompts: 16, lr: 3e-3 },
    base: TREES_BASE,
    defaultSeeds: 5,
    arms: [
      BASE_ARM,
      { name: 'psr', train: { algo: 'grpo', polarity: 'positive' } },
      { name: 'nsr', train: { algo: 'grpo', polarity: 'negative' } },
      { name: 'both', train: { algo: 'grpo', polarity: 'both' } },
      { name: 'nsr-pm1', train: { algo: 'grpo', polarity: 'negative', advScale: 'reward' } },
    ],
    effects: [
      { claim: 'Positive-only raises pass@1', metric: 'pass@1', arm: 'psr', than: 'base', kind: 'difference', side: 'above', bound: 0 },
      { claim: 'Positive-only narrows: fewer distinct correct solutions than the base', metric: 'distinct_correct', arm: 'psr', than: 'base', kind: 'difference', side: 'below', bound: 0 },
      { claim: 'Negative-only keeps large-k pass@k above positive-only', metric: 'pass@max', arm: 'nsr', than: 'psr', kind: 'difference', side: 'above', bound: 0 },
      { claim: 'Negative-only keeps large-k pass@k at the base (within 0.02)', metric: 'pass@max', arm: 'nsr', than: 'base', kind: 'difference', side: 'above', bound: -0.02 },
      { claim: 'Negative-only with ±1 rewards keeps large-k pass@k at the base (within 0.02)', metric: 'pass@max', arm: 'nsr-pm1', than: 'base', kind: 'difference', side: 'above', bound: -0.02 },
      { claim: 'Negative-only with ±1 rewards keeps more distinct correct solutions than with group advantages', metric: 'distinct_correct', arm: 'nsr-pm1', than: 'nsr', kind: 'difference', side: 'above', bound: 0 },
    ],
  },
  {
    name: 'd3s-tokens',
    title: "D³S reaches GRPO's pass@1 with at most 60 % of its loss tokens",
    // Each arm at the learning rate its sweep chose: D³S trains on 40 % of the tokens and, at GRPO's 3e-3, learns too slowly to compare within 60 steps.
    common: { ...TREES, steps: 60, evalEvery: 20 },
    base: TREES_BASE,
    defaultSeeds: 5,
    arms: [BASE_ARM, { name: 'grpo', train: { algo: 'grpo', lr: 3e-3 } }, { name: 'd3s', train: { algo: 'd3s', lr: 1e-2 } }],
    effects: [
      { claim: 'D³S uses at most 60 % of the loss tokens of GRPO', metric: 'tokens_used', arm: 'd3s', than: 'grpo', kind: 'ratio', side: 'below', bound: 0.6 },
      { claim: "D³S reaches GRPO's pass@1 (within 0.05)", metric: 'pass@1', arm: 'd3s', than: 'grpo', kind: 'difference', side: 'above', bound: -0.05 },
      { claim: 'D³S raises pass@1 over the base', metric: 'pass@1', arm: 'd3s', than: 'base', kind: 'difference', side: 'above', bound: 0 },
    ],
  },
];

export const EXPERIMENT_NAMES = EXPERIMENTS.map((e) => e.name);

export function experimentByName(name: string): ExperimentSpec | null {
  return EXPERIMENTS.find((e) => e.name === name) ?? null;
}

/** The run config of one arm of an experiment on one seed. */
export function armConfig(spec: ExperimentSpec, train: Partial<RunConfig>, seed: number): RunConfig {
  // Not checked here: the trainer refuses an impossible config naming the setting, and the lab's launch
  // checks name it beside the launch button, where a throw would instead break the launcher's render.
  return { ...defaultRunConfig(), ...spec.common, ...train, seed };
}
