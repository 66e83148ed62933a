// The three algorithms as one interface each, so the trainer's step has no
// `algo === …` branches: an algorithm turns rewards into a per-row learning
// signal, may select which rollouts and tokens enter the loss, records its
// loss gradient for a minibatch, and names its part of the train row.
// Math: docs/algorithms.md.

import type { GpuContext } from '../gpu/context';
import type { Tensor } from '../gpu/tensor';
import { groupAdvantages } from './advantages';
import type { Algorithm, RunConfig } from './config';
import { D3S_METRICS, d3sConfigOf, d3sMetrics, d3sSchedule, d3sSelect } from './d3s';
import { GRPO_METRICS, grpoLoss, grpoMetrics } from './grpo';
import { ROVER_METRICS, roverCentredRewards, roverLoss, roverMetrics } from './rover';

/** Room for any algorithm's loss metrics (GRPO_METRICS, ROVER_METRICS). */
export const LOSS_METRICS = Math.max(GRPO_METRICS.length, ROVER_METRICS.length, 8);
/** Room for the selection metrics (D3S_METRICS). */
export const SELECTION_METRICS = D3S_METRICS.length;

/** Lengths for loss normalisations that count sequences or positions (seq-mean-token-sum-norm). */
export interface LossNorm {
  /** The completion budget. */
  maxLen: number;
  /** Rows of the minibatch before any was dropped. */
  sequences: number;
}

/** One minibatch's rows, sliced from the step's batch; per-token tensors are [n, T]. */
export interface MinibatchTensors {
  logp: Tensor;
  vmean: Tensor;
  oldLogp: Tensor;
  oldVmean: Tensor;
  refLogp: Tensor;
  mask: Tensor;
  keep: Tensor | null;
  signal: Tensor;
}

export interface SelectionInputs {
  signal: Tensor;
  entropy: Tensor;
  mask: Tensor;
}

export interface SelectionOutputs {
  /** [S, T] tokens that enter the loss. */
  keep: Tensor;
  /** [S] rollouts that enter the loss. */
  sampleKeep: Tensor;
  metrics: Tensor;
}

/** The train row's fields an algorithm owns; null where it has no such quantity. */
export interface AlgorithmRow {
  loss: number;
  clipLow: number | null;
  clipHigh: number | null;
  varABefore: number | null;
  varAAfter: number | null;
  /** Rollouts and tokens in the loss, when the algorithm selects (else all). */
  samplesKept: number | null;
  tokensKept: number | null;
  qMean: number | null;
  qAbsMean: number | null;
  targetMean: number | null;
  vNextMean: number | null;
}

export interface RlAlgorithm {
  /** The per-row signal [S] from rewards [S]: advantages, or ROVER's centred rewards; ADVANTAGE_METRICS into `metrics`. */
  signal(ctx: GpuContext, rewards: Tensor, out: Tensor, metrics: Tensor, c: RunConfig): void;
  /** Records the selection for the step after `stepsDone` steps; absent when every rollout and token trains. */
  select?(ctx: GpuContext, inputs: SelectionInputs, outputs: SelectionOutputs, c: RunConfig, stepsDone: number): void;
  /** Whether the loss reads π_ref's log-probs (otherwise π_ref only feeds the KL metric). */
  usesRef(c: RunConfig): boolean;
  /** Records dL/dlog π_θ [n, T] and LOSS_METRICS values for one minibatch. */
  loss(ctx: GpuContext, mb: MinibatchTensors, out: { dlogp: Tensor; metrics: Tensor }, c: RunConfig, norm: LossNorm): void;
  /** Its row fields from the loss metrics averaged over the step's updates and the selection metrics. */
  row(lossMeans: readonly number[], selection: ArrayLike<number> | null): AlgorithmRow;
  /** What the inspector shows as Q for a token whose log-prob moved by Δ; absent when the algorithm has no Q. */
  q?(deltaLogp: number, c: RunConfig): number;
}

const NO_SELECTION = { varABefore: null, varAAfter: null, samplesKept: null, tokensKept: null };
const NO_Q = { qMean: null, qAbsMean: null, targetMean: null, vNextMean: null };

const grpo: RlAlgorithm = {
  signal: (ctx, rewards, out, metrics, c) => groupAdvantages(ctx, rewards, c.group, out, metrics, { scale: c.advScale, sign: c.polarity }),
  usesRef: (c) => c.beta > 0,
  loss(ctx, mb, out, c, norm) {
    grpoLoss(ctx, { logp: mb.logp, oldLogp: mb.oldLogp, refLogp: mb.refLogp, mask: mb.mask, advantages: mb.signal, keep: mb.keep ?? undefined }, out, { epsLow: c.epsLow, epsHigh: c.epsHigh, beta: c.beta, aggregation: c.aggregation, ...norm });
  },
  row(lossMeans) {
    const m = grpoMetrics(lossMeans);
    return { loss: m.loss, clipLow: m.clip_low, clipHigh: m.clip_high, ...NO_SELECTION, ...NO_Q };
  },
};

const d3s: RlAlgorithm = {
  ...grpo,
  select(ctx, inputs, outputs, c, stepsDone) {
    const sched = d3sSchedule(d3sConfigOf(c), stepsDone, c.steps, c.group);
    d3sSelect(ctx, { advantages: inputs.signal, entropy: inputs.entropy, mask: inputs.mask }, outputs, { groupSize: c.group, samplesPerGroup: sched.samplesPerGroup, tokenFraction: sched.tokenFraction, batchKeep: null });
  },
  row(lossMeans, selection) {
    const d = d3sMetrics(selection!);
    return { ...grpo.row(lossMeans, null), varABefore: d.adv_var_before, varAAfter: d.adv_var_after, samplesKept: d.samples_kept, tokensKept: d.tokens_kept };
  },
};

const rover: RlAlgorithm = {
  signal: (ctx, rewards, out, metrics, c) => roverCentredRewards(ctx, rewards, c.group, out, metrics, { reward: c.roverReward === 'std' ? 'centred-std' : 'centred' }),
  usesRef: () => false,
  loss(ctx, mb, out, c) {
    roverLoss(ctx, { logp: mb.logp, oldLogp: mb.oldLogp, vmean: mb.vmean, oldVmean: mb.oldVmean, mask: mb.mask, centredRewards: mb.signal }, out, { rho: c.rho });
  },
  row(lossMeans) {
    const m = roverMetrics(lossMeans);
    return { loss: m.loss, clipLow: null, clipHigh: null, ...NO_SELECTION, qMean: m.q_mean, qAbsMean: m.q_abs_mean, targetMean: m.target_mean, vNextMean: m.v_next_mean };
  },
  q: (delta, c) => c.rho * delta,
};

export const RL_ALGORITHMS: Record<Algorithm, RlAlgorithm> = { grpo, rover, d3s };
