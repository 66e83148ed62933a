// One RLVR training run on one GPU context. A step:
//   sample P prompts × G completions (GPU) → verify (CPU) → π_ref and π_old
//   forwards → group advantages / ROVER rewards / D³S selection (GPU) →
//   for each sweep and minibatch: forward π_θ, loss gradient, backward, AdamW.
// Only tokens, rewards and a few scalar metrics cross back to the CPU.

import type { GpuContext } from '../gpu/context';
import type { Tensor } from '../gpu/tensor';
import { type Checkpoint, type CheckpointMeta, CheckpointError, decodeSafetensors, encodeSafetensors } from '../model/checkpoint';
import { GptModel } from '../model/gpt';
import { nextTokenTargets } from '../model/reference';
import { Sampler } from '../model/sampler';
import { getTask, resolveConfig } from '../tasks/registry';
import { CharTokenizer } from '../tasks/tokenizer';
import type { AnyTask, TaskConfig } from '../tasks/types';
import { deriveSeed } from '../util/rng';
import { advantageMetrics, groupAdvantages } from './advantages';
import { type RunConfig, runConfigIssues } from './config';
import { DEFAULT_D3S, d3sMetrics, d3sSchedule, d3sSelect } from './d3s';
import { evaluate } from './evaluate';
import { grpoLoss, grpoMetrics } from './grpo';
import { fracGroupsIdentical } from './health';
import { makeProblems, type Problem, type ScoredRollouts, sampleAndScore } from './rollout';
import { rolloutStats } from './rollout-stats';
import { roverCentredRewards, roverLoss, roverMetrics } from './rover';
import type { EvalRow, MetricsRow, RolloutGroup, TrainRow } from './types';

/** Largest number of rows the evaluation sampler decodes at once. */
const EVAL_ROWS = 256;
const LOSS_METRICS = 8;

export class TrainerError extends Error {
  override name = 'TrainerError';
}

interface StepBuffers {
  S: number;
  T: number;
  tokens: Tensor<'u32'>;
  targets: Tensor<'u32'>;
  mask: Tensor;
  rewards: Tensor;
  adv: Tensor;
  advMetrics: Tensor;
  oldLogp: Tensor;
  refLogp: Tensor;
  oldVmean: Tensor;
  entropy: Tensor;
  keep: Tensor;
  d3sMetrics: Tensor;
  stats: Tensor;
}

export class Trainer {
  readonly task: AnyTask;
  readonly taskConfig: TaskConfig;
  readonly tokenizer: CharTokenizer;
  private readonly model: GptModel;
  private readonly sampler: Sampler;
  private readonly evalSampler: Sampler;
  private readonly baseParams: Tensor;
  private readonly swap: Tensor;
  private readonly evalProblems: Problem[];
  private readonly maxNewTokens: number;
  /** Training steps completed. */
  stepIndex = 0;
  private tokensUsed = 0;
  private evaluatedAt = -1;
  private lastRollouts: RolloutGroup | null = null;

  constructor(
    readonly ctx: GpuContext,
    readonly config: RunConfig,
    readonly base: Checkpoint,
  ) {
    const issues = runConfigIssues(config);
    if (issues.length) throw new TrainerError(issues.map((i) => `${i.key}: ${i.message}`).join('; '));
    if (base.meta.task !== config.task) throw new TrainerError(`The base checkpoint was trained on "${base.meta.task}", but the run is set to "${config.task}"`);
    this.task = getTask(config.task);
    // Knobs added after the base was made take their defaults.
    this.taskConfig = resolveConfig(this.task, base.meta.taskConfig as Partial<TaskConfig>);
    this.tokenizer = new CharTokenizer(base.meta.alphabet);
    if (this.tokenizer.size !== base.meta.config.vocabSize) throw new TrainerError(`The checkpoint's alphabet gives ${this.tokenizer.size} tokens but its model has ${base.meta.config.vocabSize}`);
    this.maxNewTokens = this.task.maxCompletionChars(this.taskConfig) + 1;
    const S = config.prompts * config.group;
    this.model = new GptModel(ctx, base.meta.config, { maxBatch: S, params: base.params });
    this.sampler = new Sampler(this.model, S);
    this.evalSampler = config.evalSamples <= S ? this.sampler : new Sampler(this.model, Math.max(config.evalSamples, Math.min(EVAL_ROWS, config.evalPrompts * config.evalSamples)));
    this.baseParams = ctx.tensor([base.params.length], 'f32', base.params);
    this.swap = ctx.tensor([base.params.length]);
    this.evalProblems = makeProblems(this.task, this.taskConfig, this.tokenizer, this.task.evalIsTrain ? 'train' : 'eval', deriveSeed(config.seed, 'eval'), 0, config.evalPrompts);
  }

  get done(): boolean {
    return this.stepIndex >= this.config.steps;
  }

  /** The latest group of the first prompt, for the rollout inspector. */
  rollouts(): RolloutGroup | null {
    return this.lastRollouts;
  }

  /**
   * Runs the next training step and returns its rows: the base model's
   * evaluation first (step 0), then the train row, then an eval row when due.
   */
  async step(): Promise<MetricsRow[]> {
    if (this.done) throw new TrainerError(`The run is finished (${this.config.steps} steps)`);
    const rows: MetricsRow[] = [];
    if (this.evaluatedAt < 0) rows.push(await this.evaluate());
    rows.push(await this.trainStep());
    const k = this.stepIndex;
    const every = this.config.evalEvery;
    if ((every > 0 && k % every === 0) || k === this.config.steps) rows.push(await this.evaluate());
    return rows;
  }

  async evaluate(): Promise<EvalRow> {
    const c = this.config;
    const row = await evaluate(this.evalSampler, this.task, this.tokenizer, this.evalProblems, {
      n: c.evalSamples,
      maxNewTokens: this.maxNewTokens,
      temperature: c.temperature,
      topK: c.topK,
      seed: deriveSeed(c.seed, 'eval-sampling'),
      step: this.stepIndex,
    });
    this.evaluatedAt = this.stepIndex;
    return row;
  }

  private async trainStep(): Promise<TrainRow> {
    const started = performance.now();
    const c = this.config;
    const ctx = this.ctx;
    const G = c.group;
    const problems = makeProblems(this.task, this.taskConfig, this.tokenizer, 'train', c.seed, this.stepIndex * c.prompts, c.prompts);
    const ro = await sampleAndScore(this.sampler, this.task, this.tokenizer, problems, { groupSize: G, maxNewTokens: this.maxNewTokens, temperature: c.temperature, topK: c.topK, seed: deriveSeed(c.seed, 'rollouts'), step: this.stepIndex });
    const S = ro.sample.R, T = ro.sample.T;
    const b = this.stepBuffers(ro);

    // π_ref: the base parameters, swapped in for one forward pass.
    ctx.copy(this.model.params, this.swap);
    ctx.copy(this.baseParams, this.model.params);
    let out = this.model.forward(b.tokens, S, T, { temperature: c.temperature, targets: b.targets });
    ctx.copy(out.logp, b.refLogp);
    ctx.copy(this.swap, this.model.params);
    // π_old: the sampling policy, before any update of this step.
    out = this.model.forward(b.tokens, S, T, { temperature: c.temperature, targets: b.targets });
    ctx.copy(out.logp, b.oldLogp);
    ctx.copy(out.vmean, b.oldVmean);
    ctx.copy(out.entropy, b.entropy);
    rolloutStats(ctx, b.oldLogp, b.refLogp, b.entropy, b.mask, b.stats);

    if (c.algo === 'rover') roverCentredRewards(ctx, b.rewards, G, b.adv, b.advMetrics, { reward: c.roverReward === 'std' ? 'centred-std' : 'centred' });
    else groupAdvantages(ctx, b.rewards, G, b.adv, b.advMetrics, { scale: c.advScale, sign: c.polarity });
    const keep = c.algo === 'd3s' ? b.keep : null;
    if (keep) {
      const sched = d3sSchedule(
        { ...DEFAULT_D3S, sampleFracInit: c.d3sSamplesInit / 100, sampleFracFinal: c.d3sSamplesFinal / 100, tokenFracInit: c.d3sTokensInit / 100, tokenFracFinal: c.d3sTokensFinal / 100 },
        this.stepIndex,
        c.steps,
        G,
      );
      d3sSelect(ctx, { advantages: b.adv, entropy: b.entropy, mask: b.mask }, { keep, metrics: b.d3sMetrics }, { groupSize: G, samplesPerGroup: sched.samplesPerGroup, tokenFraction: sched.tokenFraction, batchKeep: null });
    }

    const updates = c.updatesPerBatch * c.minibatches;
    const lossMetrics = ctx.tensor([updates, LOSS_METRICS]);
    const gradNormSq = ctx.tensor([updates]);
    ctx.zero(lossMetrics);
    let u = 0;
    for (let sweep = 0; sweep < c.updatesPerBatch; sweep++) {
      for (let mb = 0; mb < c.minibatches; mb++, u++) {
        const r0 = Math.floor((mb * S) / c.minibatches), r1 = Math.floor(((mb + 1) * S) / c.minibatches);
        this.update(b, r0, r1, keep, lossMetrics, gradNormSq, u);
      }
    }
    const inspect = this.updatedLogp(b, G);
    const group0 = (t: Tensor) => t.view([G * T]);
    const [adv, advM, d3sM, stats, lossM, gn, keepRows, inspectLogp, entropyRows, oldRows] = await ctx.readMany([
      b.adv, b.advMetrics, b.d3sMetrics, b.stats, lossMetrics, gradNormSq, group0(b.keep), inspect, group0(b.entropy), group0(b.oldLogp),
    ]);
    lossMetrics.dispose();
    gradNormSq.dispose();
    this.stepIndex++;

    const a = advantageMetrics(advM);
    const d = keep ? d3sMetrics(d3sM) : null;
    const mean = (i: number) => {
      let s = 0;
      for (let k = 0; k < updates; k++) s += lossM[k * LOSS_METRICS + i];
      return s / updates;
    };
    const completionTokens = stats[0];
    const kept = d ? d.tokens_kept : completionTokens;
    this.tokensUsed += kept;
    let correct = 0;
    for (let r = 0; r < S; r++) correct += ro.correct[r];
    let gradNorm = 0;
    for (let k = 0; k < updates; k++) gradNorm += Math.sqrt(gn[k]);
    const stepMs = performance.now() - started;
    this.lastRollouts = this.inspectorGroup(ro, problems[0], adv, entropyRows, keep ? keepRows : null, { logp: inspectLogp, old: oldRows });
    const grpo = c.algo !== 'rover' ? grpoMetrics(Array.from({ length: LOSS_METRICS }, (_, i) => mean(i))) : null;
    const rover = c.algo === 'rover' ? roverMetrics(Array.from({ length: LOSS_METRICS }, (_, i) => mean(i))) : null;
    return {
      kind: 'train',
      step: this.stepIndex,
      loss: grpo ? grpo.loss : rover!.loss,
      rewardMean: a.reward_mean,
      rewardStd: a.reward_std,
      fracRewardZeroStd: a.frac_reward_zero_std,
      fracGroupsIdentical: fracGroupsIdentical(ro.texts, G),
      pass1: correct / S,
      entropy: completionTokens > 0 ? stats[1] / completionTokens : 0,
      kl: completionTokens > 0 ? stats[2] / completionTokens : 0,
      clipLow: grpo ? grpo.clip_low : null,
      clipHigh: grpo ? grpo.clip_high : null,
      varABefore: d ? d.adv_var_before : null,
      varAAfter: d ? d.adv_var_after : null,
      samplesKept: d ? d.samples_kept : S,
      tokensKept: kept,
      tokensUsed: this.tokensUsed,
      completionLength: completionTokens / S,
      gradNorm: gradNorm / updates,
      tokensPerSec: (completionTokens / stepMs) * 1000,
      stepMs,
    };
  }

  /** One minibatch update on rows [r0, r1) of the step's batch. */
  private update(b: StepBuffers, r0: number, r1: number, keep: Tensor | null, allMetrics: Tensor, gradNormSq: Tensor, u: number): void {
    const ctx = this.ctx, c = this.config, T = b.T, n = r1 - r0;
    const slice = (src: Tensor, width: number, dtype: 'f32' | 'u32'): Tensor => {
      const t = ctx.tensor(width === 1 ? [n] : [n, width], dtype);
      ctx.copyRange(src, r0 * width, t, 0, n * width);
      return t;
    };
    const tokens = slice(b.tokens, T, 'u32'), targets = slice(b.targets, T, 'u32');
    const mask = slice(b.mask, T, 'f32'), oldLogp = slice(b.oldLogp, T, 'f32'), adv = slice(b.adv, 1, 'f32');
    const dlogp = ctx.tensor([n, T]);
    const metrics = ctx.tensor([LOSS_METRICS]);
    ctx.zero(metrics);
    const temps: Tensor[] = [tokens, targets, mask, oldLogp, adv, dlogp, metrics];
    const out = this.model.forward(tokens, n, T, { temperature: c.temperature, targets });
    const logp = out.logp.reshape([n, T]);
    if (c.algo === 'rover') {
      const oldVmean = slice(b.oldVmean, T, 'f32');
      temps.push(oldVmean);
      roverLoss(ctx, { logp, oldLogp, vmean: out.vmean.reshape([n, T]), oldVmean, mask, centredRewards: adv }, { dlogp, metrics }, { rho: c.rho });
    } else {
      const refLogp = slice(b.refLogp, T, 'f32');
      const keepMb = keep ? slice(keep, T, 'f32') : undefined;
      temps.push(refLogp, ...(keepMb ? [keepMb] : []));
      grpoLoss(ctx, { logp, oldLogp, refLogp, mask, advantages: adv, keep: keepMb }, { dlogp, metrics }, { epsLow: c.epsLow, epsHigh: c.epsHigh, beta: c.beta, aggregation: c.aggregation, maxLen: this.maxNewTokens });
    }
    this.model.zeroGrad();
    this.model.backward({ dlogp: dlogp.reshape([n * T]) });
    this.model.step({ lr: c.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: c.weightDecay, maxGradNorm: c.maxGradNorm });
    ctx.copyRange(metrics, 0, allMetrics, u * LOSS_METRICS, LOSS_METRICS);
    ctx.copyRange(this.model.gradNormSq, 0, gradNormSq, u, 1);
    for (const t of temps.reverse()) t.dispose();
  }

  /** Log-probs of the first group under the updated policy: what this step's updates did to each token. */
  private updatedLogp(b: StepBuffers, G: number): Tensor {
    const T = b.T;
    const tokens = this.ctx.tensor([G, T], 'u32'), targets = this.ctx.tensor([G, T], 'u32');
    this.ctx.copyRange(b.tokens, 0, tokens, 0, G * T);
    this.ctx.copyRange(b.targets, 0, targets, 0, G * T);
    const out = this.model.forward(tokens, G, T, { temperature: this.config.temperature, targets });
    targets.dispose();
    tokens.dispose();
    return out.logp.view([G * T]);
  }

  private inspectorGroup(ro: ScoredRollouts, problem: Problem, adv: ArrayLike<number>, entropy: ArrayLike<number>, keep: ArrayLike<number> | null, after: { logp: ArrayLike<number>; old: ArrayLike<number> }): RolloutGroup {
    const { T, promptLengths, completionLengths, tokens } = ro.sample;
    const completions = [];
    for (let g = 0; g < this.config.group; g++) {
      const start = promptLengths[g];
      const len = completionLengths[g];
      // Position t predicts token t + 1: a completion token at index i is scored at position i − 1.
      const at = (arr: ArrayLike<number>) => Array.from({ length: len }, (_, j) => arr[g * T + start + j - 1]);
      const old = at(after.old);
      const delta = at(after.logp).map((lp, j) => lp - old[j]);
      completions.push({
        text: ro.texts[g],
        tokens: Array.from(tokens.subarray(g * T + start, g * T + start + len), (id) => (id === 2 ? '⏎' : this.tokenizer.vocab[id])),
        reward: ro.rewards[g],
        correct: ro.correct[g] === 1,
        advantage: adv[g],
        entropy: at(entropy),
        kept: keep ? at(keep) : Array.from({ length: len }, () => 1),
        deltaLogp: delta,
        q: this.config.algo === 'rover' ? delta.map((d) => this.config.rho * d) : null,
      });
    }
    return { step: this.stepIndex, prompt: problem.prompt, completions };
  }

  private buffers: StepBuffers | null = null;

  /** The step's batch on the GPU; reallocated only when (S, T) changes. */
  private stepBuffers(ro: ScoredRollouts): StepBuffers {
    const S = ro.sample.R, T = ro.sample.T, ctx = this.ctx;
    let b = this.buffers;
    if (!b || b.S !== S || b.T !== T) {
      if (b) for (const t of Object.values(b)) if (typeof t !== 'number') t.dispose();
      b = this.buffers = {
        S, T,
        tokens: ctx.tensor([S, T], 'u32'),
        targets: ctx.tensor([S, T], 'u32'),
        mask: ctx.tensor([S, T]),
        rewards: ctx.tensor([S]),
        adv: ctx.tensor([S]),
        advMetrics: ctx.tensor([8]),
        oldLogp: ctx.tensor([S, T]),
        refLogp: ctx.tensor([S, T]),
        oldVmean: ctx.tensor([S, T]),
        entropy: ctx.tensor([S, T]),
        keep: ctx.tensor([S, T]),
        d3sMetrics: ctx.tensor([8]),
        stats: ctx.tensor([4]),
      };
    }
    ctx.write(b.tokens, ro.sample.tokens);
    ctx.write(b.targets, nextTokenTargets(ro.sample.tokens, S, T));
    ctx.write(b.mask, ro.sample.mask);
    ctx.write(b.rewards, ro.rewards);
    ctx.zero(b.keep);
    ctx.zero(b.d3sMetrics);
    return b;
  }

  // ------------------------------------------------------------ persistence

  /** Parameters, AdamW moments and the step count, to resume the run exactly. */
  async saveState(): Promise<ArrayBuffer> {
    const [params, m, v] = await this.ctx.readMany([this.model.params, this.model.m, this.model.v]);
    const meta = this.stateMeta();
    return encodeSafetensors(
      [
        { name: 'params', shape: [params.length], data: params as Float32Array },
        { name: 'optimizer.exp_avg', shape: [m.length], data: m as Float32Array },
        { name: 'optimizer.exp_avg_sq', shape: [v.length], data: v as Float32Array },
      ],
      meta,
    );
  }

  /** Restores a state written by saveState for this same run. */
  loadState(buffer: ArrayBuffer): void {
    const file = decodeSafetensors(buffer);
    const md = file.metadata;
    if (md['run-config'] !== JSON.stringify(this.config)) throw new CheckpointError('This saved state belongs to a run with different settings');
    const get = (name: string) => {
      const e = file.tensors.get(name);
      if (!e || e.shape[0] !== this.base.params.length) throw new CheckpointError(`Saved state: tensor "${name}" is missing or has the wrong size`);
      return new Float32Array(e.bytes);
    };
    this.ctx.write(this.model.params, get('params'));
    this.ctx.write(this.model.m, get('optimizer.exp_avg'));
    this.ctx.write(this.model.v, get('optimizer.exp_avg_sq'));
    this.stepIndex = Number(md.step);
    this.model.stepCount = Number(md['adam-step']);
    this.tokensUsed = Number(md['tokens-used']);
    this.evaluatedAt = Number(md['evaluated-at']);
  }

  private stateMeta(): Record<string, string> {
    return {
      'created-by': 'rlvr-lab',
      'run-config': JSON.stringify(this.config),
      step: String(this.stepIndex),
      'adam-step': String(this.model.stepCount),
      'tokens-used': String(this.tokensUsed),
      'evaluated-at': String(this.evaluatedAt),
    };
  }

  /** The current policy as a model checkpoint (same format as the base). */
  async checkpointMeta(): Promise<{ params: Float32Array; meta: Omit<CheckpointMeta, 'config'> }> {
    const params = (await this.ctx.read(this.model.params)) as Float32Array;
    return { params, meta: { alphabet: this.base.meta.alphabet, task: this.base.meta.task, taskConfig: this.base.meta.taskConfig, step: this.stepIndex } };
  }

  get layout() {
    return this.model.layout;
  }

  dispose(): void {
    this.model.dispose();
  }
}
