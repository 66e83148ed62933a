// One whole RLVR update in plain TypeScript: the independent reference that
// the GPU trainer (rl/trainer.ts trainOn) is held to. It is composed only from
// the references of the pieces — the CPU GPT (model/reference.ts), the group
// advantages, the GRPO and ROVER losses, the D³S selection, AdamW — and
// follows ../../../docs/algorithms.md, not the trainer's code:
//
//   π_ref = forward(base), π_old = forward(θ before the step), both at τ
//   advantages (GRPO, D³S) or centred rewards (ROVER); D³S keep mask from π_old's entropy
//   for each sweep, for each minibatch (rows ⌊mb·S/M⌋ … ⌊(mb+1)·S/M⌋):
//       forward(θ) → loss gradient dL/dlog π → backward → AdamW(θ, m, v)
//
// Arithmetic is float64 inside every reference kernel; activations and
// parameters are stored as float32 between kernels, as the GPU stores them.

import { adamwRef } from '../../gpu/reference/adamw';
import type { ParamLayout } from '../../model/params';
import { nextTokenTargets, referenceBackward, referenceForward } from '../../model/reference';
import { type RunConfig, rlAdamW } from '../config';
import { d3sConfigOf, d3sSchedule } from '../d3s';
import { groupAdvantagesRef } from './advantages';
import { d3sSelectRef } from './d3s';
import { grpoLossRef } from './grpo';
import type { TrainRow } from '../types';
import { roverLossRef } from './rover';

export interface StepReferenceState {
  params: Float32Array;
  m: Float32Array;
  v: Float32Array;
  /** AdamW steps taken before this step. */
  adamStep: number;
}

export interface StepReferenceBatch {
  /** Rows S = P·G, prompt-major. */
  S: number;
  T: number;
  /** [S, T] BOS, prompt, completion, PAD. */
  tokens: ArrayLike<number>;
  /** [S, T] 1 where position t predicts a completion token. */
  mask: ArrayLike<number>;
  rewards: ArrayLike<number>;
}

export interface StepReferenceInput {
  layout: ParamLayout;
  config: RunConfig;
  state: StepReferenceState;
  /** π_ref's parameters (the frozen base). */
  baseParams: Float32Array;
  batch: StepReferenceBatch;
  /** Steps completed before this one (the D³S schedule's position). */
  stepIndex: number;
  /** The completion budget, seq-mean-token-sum-norm's length. */
  maxLen: number;
  /** Tokens the policy may not emit beside PAD and BOS (the run's decoding setting, see excludedTokens). */
  excludedTokens?: readonly number[];
}

/** The train row's fields that the update determines. */
export type StepReferenceMetrics = Pick<
  TrainRow,
  'loss' | 'rewardMean' | 'rewardStd' | 'fracRewardZeroStd' | 'entropy' | 'kl' | 'clipLow' | 'clipHigh' | 'varABefore' | 'varAAfter' | 'samplesKept' | 'tokensKept' | 'completionLength' | 'gradNorm'
>;

export interface StepReferenceResult {
  state: StepReferenceState;
  metrics: StepReferenceMetrics;
  /** Per row: the advantage (or ROVER's centred reward) the losses used. */
  advantages: Float64Array;
  /** [S, T] 1 for tokens in the loss. */
  keep: Float32Array;
}

export function referenceStep(input: StepReferenceInput): StepReferenceResult {
  const { layout, config: c, baseParams, batch, stepIndex, maxLen } = input;
  const { S, T, tokens, mask, rewards } = batch;
  const G = c.group;
  const targets = nextTokenTargets(tokens, S, T);
  const forward = (params: Float32Array, rows: ArrayLike<number>, B: number, tgt: ArrayLike<number>) => referenceForward(layout, params, rows, B, T, { temperature: c.temperature, targets: tgt, excludedTokens: input.excludedTokens });
  const ref = forward(baseParams, tokens, S, targets);
  const old = forward(input.state.params, tokens, S, targets);

  // The sampling policy's entropy and k3 KL to the base, over completion tokens.
  let completionTokens = 0, entropySum = 0, klSum = 0;
  for (let i = 0; i < S * T; i++) {
    if (mask[i] === 0) continue;
    const q = ref.logp[i] - old.logp[i];
    completionTokens += mask[i];
    entropySum += mask[i] * old.entropy[i];
    klSum += mask[i] * (Math.exp(q) - q - 1);
  }

  const rover = c.algo === 'rover';
  const adv = rover
    ? groupAdvantagesRef(rewards, G, { scale: c.roverReward === 'std' ? 'group' : 'none', sign: 'both' })
    : groupAdvantagesRef(rewards, G, { scale: c.advScale, sign: c.polarity });
  // The GPU holds advantages in float32.
  const advantages = Float64Array.from(adv.advantages, Math.fround);

  let keep = Float32Array.from(mask);
  let d3s = null;
  if (c.algo === 'd3s') {
    const sched = d3sSchedule(d3sConfigOf(c), stepIndex, c.steps, G);
    d3s = d3sSelectRef({ S, T, advantages, entropy: old.entropy, mask }, { groupSize: G, samplesPerGroup: sched.samplesPerGroup, tokenFraction: sched.tokenFraction, batchKeep: null });
    keep = Float32Array.from(d3s.keep);
  }

  let { params, m, v, adamStep } = input.state;
  const sums = { loss: 0, clipLow: 0, clipHigh: 0, gradNorm: 0 };
  const updates = c.updatesPerBatch * c.minibatches;
  for (let sweep = 0; sweep < c.updatesPerBatch; sweep++) {
    for (let mb = 0; mb < c.minibatches; mb++) {
      const r0 = Math.floor((mb * S) / c.minibatches), r1 = Math.floor(((mb + 1) * S) / c.minibatches);
      const n = r1 - r0;
      const rows = <A extends ArrayLike<number>>(a: A, width: number) => Array.prototype.slice.call(a, r0 * width, r1 * width) as number[];
      const fwd = forward(params, rows(tokens, T), n, rows(targets, T));
      let dlogp: Float64Array;
      if (rover) {
        const out = roverLossRef({ S: n, T, logp: fwd.logp, oldLogp: rows(old.logp, T), vmean: fwd.vmean, oldVmean: rows(old.vmean, T), mask: rows(mask, T), centredRewards: rows(advantages, 1) }, { rho: c.rho });
        dlogp = out.dlogp;
        sums.loss += out.metrics.loss;
      } else {
        const out = grpoLossRef(
          { S: n, T, logp: fwd.logp, oldLogp: rows(old.logp, T), refLogp: rows(ref.logp, T), mask: rows(mask, T), advantages: rows(advantages, 1), keep: d3s ? rows(keep, T) : undefined },
          { epsLow: c.epsLow, epsHigh: c.epsHigh, beta: c.beta, aggregation: c.aggregation, maxLen },
        );
        dlogp = out.dlogp;
        sums.loss += out.metrics.loss;
        sums.clipLow += out.metrics.clip_low;
        sums.clipHigh += out.metrics.clip_high;
      }
      const { grads } = referenceBackward(layout, params, fwd, { dlogp });
      const next = adamwRef(params, grads, m, v, { ...rlAdamW(c), step: ++adamStep, decayCount: layout.decayCount });
      ({ params, m, v } = next);
      sums.gradNorm += next.gradNorm;
    }
  }

  const per = (x: number) => x / updates;
  const tokensKept = d3s ? d3s.metrics.tokens_kept : completionTokens;
  return {
    state: { params, m, v, adamStep },
    advantages,
    keep,
    metrics: {
      loss: per(sums.loss),
      rewardMean: adv.metrics.reward_mean,
      rewardStd: adv.metrics.reward_std,
      fracRewardZeroStd: adv.metrics.frac_reward_zero_std,
      entropy: completionTokens > 0 ? entropySum / completionTokens : 0,
      kl: completionTokens > 0 ? klSum / completionTokens : 0,
      clipLow: rover ? null : per(sums.clipLow),
      clipHigh: rover ? null : per(sums.clipHigh),
      varABefore: d3s ? d3s.metrics.adv_var_before : null,
      varAAfter: d3s ? d3s.metrics.adv_var_after : null,
      samplesKept: d3s ? d3s.metrics.samples_kept : S,
      tokensKept,
      completionLength: completionTokens / S,
      gradNorm: per(sums.gradNorm),
    },
  };
}
