// Ready-made comparisons for a first experiment. Most keep the launcher's
// task, model, seed and step count, so the runs share a base and a seed and
// differ only in what the comparison is about. The shipped experiments
// (src/rl/experiments.ts, npm run compare -- --experiment NAME) bring their
// own measured settings and take only the seed from the launcher.

import type { RunConfig } from '../rl/config';
import { armConfig, type ExperimentSpec, EXPERIMENTS as SHIPPED } from '../rl/experiments';

export interface Experiment {
  id: string;
  title: string;
  description: string;
  /** The name of the shipped experiment whose settings it uses; absent when it keeps the launcher's. */
  shipped?: string;
  configs(base: RunConfig): RunConfig[];
}

function shipped(spec: ExperimentSpec): Experiment {
  return {
    id: `shipped-${spec.name}`,
    title: spec.name === QUICK ? `Quick (about a minute): ${spec.title}` : `Shipped: ${spec.name}`,
    description: `${spec.title}. Arms ${spec.arms.filter((a) => a.train).map((a) => a.name).join(', ')} from the ${spec.common.task} base, ${spec.common.steps} steps.`,
    shipped: spec.name,
    configs: (base: RunConfig) => spec.arms.flatMap((arm) => (arm.train ? [armConfig(spec, arm.train, base.seed)] : [])),
  };
}

/** The shipped experiment sized for a first look; the launcher offers it first. */
const QUICK = 'quick';

export const EXPERIMENTS: Experiment[] = [
  ...SHIPPED.filter((s) => s.name === QUICK).map(shipped),
  {
    id: 'three-algorithms',
    title: 'GRPO vs ROVER vs D³S',
    description: 'The three algorithms on the same task, base model and seed: which keeps pass@k at large k?',
    configs: (base) => (['grpo', 'rover', 'd3s'] as const).map((algo) => ({ ...base, algo })),
  },
  {
    id: 'clip-higher',
    title: 'GRPO: symmetric clip vs clip-higher',
    description: 'ε_high = 0.2 against 0.28: a looser upper clip lets rare good tokens grow and keeps entropy up.',
    configs: (base) => [0.2, 0.28].map((epsHigh) => ({ ...base, algo: 'grpo', epsHigh })),
  },
  {
    id: 'polarity',
    title: 'GRPO: both signs vs positive-only vs negative-only',
    description: 'The PSR/NSR paper finds that reinforcing only correct samples narrows the policy and only penalising wrong ones keeps it broad; on the trees task the shipped polarity experiment measured the reverse: negative-only collapsed hardest, on every seed (docs/results.md).',
    configs: (base) => (['both', 'positive', 'negative'] as const).map((polarity) => ({ ...base, algo: 'grpo', polarity })),
  },
  {
    id: 'seeds',
    title: 'GRPO across three seeds',
    description: 'The same run with seeds s, s+1, s+2: how much of a difference between algorithms is noise?',
    configs: (base) => [0, 1, 2].map((i) => ({ ...base, algo: 'grpo', seed: base.seed + i })),
  },
  ...SHIPPED.filter((s) => s.name !== QUICK).map(shipped),
];
