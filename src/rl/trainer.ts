// One RLVR training run on one GPU context. A step:
//   sample P prompts × G completions (GPU) → verify (CPU) → π_ref and π_old
//   forwards → group advantages / ROVER rewards / D³S selection (GPU) →
//   for each sweep and minibatch: forward π_θ, loss gradient, backward, AdamW.
// Only tokens, rewards and a few scalar metrics cross back to the CPU.

import type { GpuContext } from '../gpu/context';
import { type Tensor, alignedElements } from '../gpu/tensor';
import { defaultAttentionStrategy, packedAttentionApplies } from '../gpu/kernels/attention';
import type { Checkpoint, CheckpointMeta } from '../model/checkpoint';
import { GptModel } from '../model/gpt';
import { nextTokenTargets } from '../model/reference';
import { Sampler } from '../model/sampler';
import { getTask, resolveConfig } from '../tasks/registry';
import { CharTokenizer } from '../tasks/tokenizer';
import type { AnyTask, TaskConfig } from '../tasks/types';
import { deriveSeed } from '../util/rng';
import { advantageMetrics } from './advantages';
import { LOSS_METRICS, RL_ALGORITHMS, type RlAlgorithm, SELECTION_METRICS } from './algorithms';
import { type RunConfig, runConfigIssues } from './config';
import { evaluate } from './evaluate';
import type { StepPhase, TrainerOptions } from './phases';
import { completionBudget, evalProblemsOf, excludedTokens, type Problem, type ScoredRollouts, sampleAndScore, shareOf, trainStepProblems } from './rollout';
import { fracGroupsIdentical } from './health';
import { rolloutStats } from './rollout-stats';
import { decodeRunState, encodeRunState } from './run-state';
import type { PackingRow } from './packing';
import { type DenseStats, type MinibatchPlan, PER_TOKEN, packedForward, planMinibatches, recordUpdates, type UpdateWork } from './update';
import type { EvalRow, MetricsRow, RolloutGroup, TrainRow } from './types';

/** Largest number of rows the evaluation sampler decodes at once. */
const EVAL_ROWS = 256;

/** The prompts of one training step and their scored rollouts (rows prompt-major, r = p·G + g). */
export interface TrainBatch {
  problems: Problem[];
  rollouts: ScoredRollouts;
}

export class TrainerError extends Error {
  override name = 'TrainerError';
}

interface StepBuffers {
  S: number;
  T: number;
  /** Owns the PER_TOKEN arrays (src/rl/update.ts). */
  planes: Tensor;
  tokens: Tensor<'u32'>;
  targets: Tensor<'u32'>;
  mask: Tensor;
  rewards: Tensor;
  /** Per row: advantages, or ROVER's centred rewards. */
  signal: Tensor;
  signalMetrics: Tensor;
  oldLogp: Tensor;
  refLogp: Tensor;
  oldVmean: Tensor;
  entropy: Tensor;
  keep: Tensor;
  sampleKeep: Tensor;
  selectionMetrics: Tensor;
  stats: Tensor;
}

export class Trainer {
  readonly task: AnyTask;
  readonly taskConfig: TaskConfig;
  readonly tokenizer: CharTokenizer;
  private readonly model: GptModel;
  private readonly algorithm: RlAlgorithm;
  private readonly sampler: Sampler;
  private readonly evalSampler: Sampler;
  private readonly baseParams: Tensor;
  private readonly swap: Tensor;
  private readonly evalProblems: Problem[];
  /** Completion budget per rollout, EOS included. */
  readonly maxNewTokens: number;
  /** Training steps completed. */
  stepIndex = 0;
  private tokensUsed = 0;
  private evaluatedAt = -1;
  private lastRollouts: RolloutGroup | null = null;
  /** Whether the update runs over packed rows (TrainerOptions.packPrompts). */
  readonly packPrompts: boolean;

  constructor(
    readonly ctx: GpuContext,
    readonly config: RunConfig,
    readonly base: Checkpoint,
    private readonly options: TrainerOptions = {},
  ) {
    const issues = runConfigIssues(config);
    if (issues.length) throw new TrainerError(issues.map((i) => `${i.key}: ${i.message}`).join('; '));
    if (base.meta.task !== config.task) throw new TrainerError(`The base checkpoint was trained on "${base.meta.task}", but the run is set to "${config.task}"`);
    this.task = getTask(config.task);
    this.algorithm = RL_ALGORITHMS[config.algo];
    // Knobs added after the base was made take their defaults.
    this.taskConfig = resolveConfig(this.task, base.meta.taskConfig as Partial<TaskConfig>);
    this.tokenizer = new CharTokenizer(base.meta.alphabet);
    if (this.tokenizer.size !== base.meta.config.vocabSize) throw new TrainerError(`The checkpoint's alphabet gives ${this.tokenizer.size} tokens but its model has ${base.meta.config.vocabSize}`);
    this.maxNewTokens = completionBudget(this.task, this.taskConfig, config.decoding);
    const S = config.prompts * config.group;
    this.model = new GptModel(ctx, base.meta.config, { maxBatch: S, params: base.params, excludedTokens: excludedTokens(this.task, this.taskConfig, this.tokenizer, config.decoding) });
    this.sampler = new Sampler(this.model, S);
    const { dModel, nHeads } = base.meta.config;
    this.packPrompts = packedAttentionApplies(dModel, nHeads) && (options.packPrompts ?? defaultAttentionStrategy(ctx) === 'rows');
    this.evalSampler = config.evalSamples <= S ? this.sampler : new Sampler(this.model, Math.max(config.evalSamples, Math.min(EVAL_ROWS, config.evalPrompts * config.evalSamples)));
    this.baseParams = ctx.tensor([base.params.length], 'f32', base.params);
    this.swap = ctx.tensor([base.params.length]);
    this.evalProblems = evalProblemsOf(this.task, this.taskConfig, this.tokenizer, config);
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
    await this.options.phases?.enter('sampling');
    return this.trainOn(await this.sampleBatch(), started);
  }

  /** This step's prompts and their scored rollouts, sampled from the current policy. */
  async sampleBatch(): Promise<TrainBatch> {
    const c = this.config;
    const problems = trainStepProblems(this.task, this.taskConfig, this.tokenizer, c, this.stepIndex);
    const rollouts = await sampleAndScore(this.sampler, this.task, this.tokenizer, problems, { groupSize: c.group, maxNewTokens: this.maxNewTokens, temperature: c.temperature, topK: c.topK, seed: deriveSeed(c.seed, 'rollouts'), step: this.stepIndex, phases: this.options.phases });
    return { problems, rollouts };
  }

  /**
   * One training step's update on a given batch (normally the one sampleBatch
   * just drew from the current policy), as a list of phases.
   */
  async trainOn(batch: TrainBatch, started = performance.now()): Promise<TrainRow> {
    const c = this.config;
    const { problems, rollouts: ro } = batch;
    if (ro.sample.R !== c.prompts * c.group) throw new TrainerError(`A batch of ${ro.sample.R} rollouts, but the run samples ${c.prompts} prompts × ${c.group}`);
    const phase = async (name: StepPhase | null) => this.options.phases?.enter(name);
    await phase('reference');
    const b = this.upload(ro);
    const withRef = this.algorithm.usesRef(c) || (c.klEvery > 0 && (this.stepIndex + 1) % c.klEvery === 0);
    this.policyForwards(b, withRef, ro);
    await phase('advantages');
    this.algorithm.signal(this.ctx, b.rewards, b.signal, b.signalMetrics, c);
    const selected = this.select(b);
    const plans = await this.plan(ro, b, selected);
    await phase('update');
    const rows = this.packPrompts ? this.packingRows(ro, b.S) : null;
    const work = recordUpdates(this.ctx, this.model, this.algorithm, c, { ...b, keep: selected ? b.keep : null }, plans, this.maxNewTokens, rows && ((r: number) => rows[r]));
    await phase('metrics');
    const inspect = this.updatedLogp(b, ro);
    const row = await this.finish(ro, problems[0], b, work, inspect, { withRef, selected, started });
    inspect.dispose();
    await phase(null);
    return row;
  }

  /**
   * π_ref (only when the loss or the KL metric needs it) and π_old's log-probs,
   * entropy and vocabulary means, and the rollouts' token statistics. π_old's
   * come from the sampler, which computed them while decoding with the same
   * kernels as the forward pass (bit for bit), so GRPO's ratio is exactly 1 at θ = θ_old.
   */
  private policyForwards(b: StepBuffers, withRef: boolean, ro: ScoredRollouts): void {
    const { ctx, config: c } = this;
    const run = (into: Partial<DenseStats>) => {
      if (this.packPrompts) {
        packedForward(ctx, this.model, this.packingRows(ro, b.S), b.T, b.tokens, b.targets, c.temperature, into);
        return;
      }
      const out = this.model.forward(b.tokens, b.S, b.T, { temperature: c.temperature, targets: b.targets });
      for (const key of ['logp', 'vmean', 'entropy'] as const) if (into[key]) ctx.copy(out[key], into[key]);
    };
    if (withRef) {
      // The base parameters, swapped in for one forward pass.
      ctx.copy(this.model.params, this.swap);
      ctx.copy(this.baseParams, this.model.params);
      run({ logp: b.refLogp });
      ctx.copy(this.swap, this.model.params);
    }
    const sampled = ro.sample.gpu;
    if (sampled) {
      ctx.copy(sampled.logp, b.oldLogp);
      ctx.copy(sampled.vmean, b.oldVmean);
      ctx.copy(sampled.entropy, b.entropy);
    } else run({ logp: b.oldLogp, vmean: b.oldVmean, entropy: b.entropy });
    // Without π_ref the KL sum compares π_old with itself (0) and is not reported.
    if (!withRef) ctx.copy(b.oldLogp, b.refLogp);
    rolloutStats(ctx, b.oldLogp, b.refLogp, b.entropy, b.mask, b.stats);
  }

  private select(b: StepBuffers): boolean {
    const select = this.algorithm.select;
    if (!select) return false;
    select(this.ctx, { signal: b.signal, entropy: b.entropy, mask: b.mask }, { keep: b.keep, sampleKeep: b.sampleKeep, metrics: b.selectionMetrics }, this.config, this.stepIndex);
    return true;
  }

  /** The sweep's minibatches; with a selection, only its rollouts (one readback of the [S] sample mask). */
  private async plan(ro: ScoredRollouts, b: StepBuffers, selected: boolean): Promise<MinibatchPlan[]> {
    const { promptLengths, completionLengths } = ro.sample;
    const keep = selected ? await this.ctx.read(b.sampleKeep) : null;
    return planMinibatches(b.S, this.config.minibatches, (r) => promptLengths[r] + completionLengths[r], keep ? (r) => keep[r] > 0.5 : null);
  }

  /** Reads the step's scalars back (one readMany) and assembles the train row and the inspector's group. */
  private async finish(ro: ScoredRollouts, problem: Problem, b: StepBuffers, work: UpdateWork, inspect: Tensor, o: { withRef: boolean; selected: boolean; started: number }): Promise<TrainRow> {
    const { ctx, config: c } = this;
    const G = c.group, T = b.T, S = b.S;
    const group0 = (t: Tensor) => t.view([G * T]);
    const [signal, signalM, selectionM, stats, lossM, gn, keepRows, inspectLogp, entropyRows, oldRows] = await ctx.readMany([
      b.signal, b.signalMetrics, b.selectionMetrics, b.stats, work.lossMetrics, work.gradNormSq, group0(b.keep), inspect, group0(b.entropy), group0(b.oldLogp),
    ]);
    work.lossMetrics.dispose();
    work.gradNormSq.dispose();
    this.stepIndex++;

    const lossMeans = Array.from({ length: LOSS_METRICS }, (_, i) => {
      let sum = 0;
      for (let u = 0; u < work.updates; u++) sum += lossM[u * LOSS_METRICS + i];
      return sum / work.updates;
    });
    const algo = this.algorithm.row(lossMeans, o.selected ? selectionM : null);
    const rewards = advantageMetrics(signalM);
    const completionTokens = stats[0];
    const tokensKept = algo.tokensKept ?? completionTokens;
    this.tokensUsed += tokensKept;
    let correct = 0;
    for (let r = 0; r < S; r++) correct += ro.correct[r];
    let gradNorm = 0;
    for (let u = 0; u < work.updates; u++) gradNorm += Math.sqrt(gn[u]);
    const stepMs = performance.now() - o.started;
    this.lastRollouts = this.inspectorGroup(ro, problem, signal, entropyRows, o.selected ? keepRows : null, { logp: inspectLogp, old: oldRows });
    const perToken = (sum: number) => (completionTokens > 0 ? sum / completionTokens : 0);
    return {
      kind: 'train',
      step: this.stepIndex,
      loss: algo.loss,
      rewardMean: rewards.reward_mean,
      rewardStd: rewards.reward_std,
      fracRewardZeroStd: rewards.frac_reward_zero_std,
      fracGroupsIdentical: fracGroupsIdentical(ro.texts, c.group),
      pass1: correct / S,
      wellFormed: shareOf(ro.wellFormed),
      entropy: perToken(stats[1]),
      kl: o.withRef ? perToken(stats[2]) : null,
      clipLow: algo.clipLow,
      clipHigh: algo.clipHigh,
      varABefore: algo.varABefore,
      varAAfter: algo.varAAfter,
      samplesKept: algo.samplesKept ?? S,
      tokensKept,
      tokensUsed: this.tokensUsed,
      completionLength: completionTokens / S,
      updateRows: work.rows,
      updateTokens: work.tokens,
      qMean: algo.qMean,
      qAbsMean: algo.qAbsMean,
      targetMean: algo.targetMean,
      vNextMean: algo.vNextMean,
      gradNorm: gradNorm / work.updates,
      tokensPerSec: (completionTokens / stepMs) * 1000,
      stepMs,
    };
  }

  /** Log-probs of the first group under the updated policy: what this step's updates did to each token. */
  private updatedLogp(b: StepBuffers, ro: ScoredRollouts): Tensor {
    const G = this.config.group, T = b.T;
    const tokens = b.tokens.view([G * T]), targets = b.targets.view([G * T]);
    const logp = this.ctx.tensor([G * T]);
    if (this.packPrompts) packedForward(this.ctx, this.model, this.packingRows(ro, G), T, tokens, targets, this.config.temperature, { logp });
    else this.ctx.copy(this.model.forward(tokens, G, T, { temperature: this.config.temperature, targets }).logp, logp);
    return logp;
  }

  /**
   * Rows 0 … n−1 of the batch as packing sees them: the G rollouts of a prompt
   * are consecutive rows and share its tokens. A row keeps its positions up to
   * the one scoring its last completion token: the position after it scores
   * nothing (mask 0) and, under causal attention, feeds no earlier position.
   */
  private packingRows(ro: ScoredRollouts, n: number): PackingRow[] {
    const { promptLengths, completionLengths } = ro.sample;
    const G = this.config.group;
    return Array.from({ length: n }, (_, r) => ({ group: Math.floor(r / G), promptLength: promptLengths[r], length: promptLengths[r] + Math.max(1, completionLengths[r]) - 1 }));
  }

  private inspectorGroup(ro: ScoredRollouts, problem: Problem, signal: ArrayLike<number>, entropy: ArrayLike<number>, keep: ArrayLike<number> | null, after: { logp: ArrayLike<number>; old: ArrayLike<number> }): RolloutGroup {
    const { T, promptLengths, completionLengths, tokens } = ro.sample;
    const completions = [];
    for (let g = 0; g < this.config.group; g++) {
      const start = promptLengths[g];
      const len = completionLengths[g];
      // Position t predicts token t + 1: a completion token at index i is scored at position i − 1.
      const at = (arr: ArrayLike<number>) => Array.from({ length: len }, (_, j) => arr[g * T + start + j - 1]);
      const old = at(after.old);
      const delta = at(after.logp).map((lp, j) => lp - old[j]);
      const q = this.algorithm.q;
      completions.push({
        text: ro.texts[g],
        tokens: Array.from(tokens.subarray(g * T + start, g * T + start + len), (id) => (id === 2 ? '⏎' : this.tokenizer.vocab[id])),
        reward: ro.rewards[g],
        correct: ro.correct[g] === 1,
        advantage: signal[g],
        entropy: at(entropy),
        kept: keep ? at(keep) : Array.from({ length: len }, () => 1),
        deltaLogp: delta,
        q: q ? delta.map((d) => q(d, this.config)) : null,
      });
    }
    return { step: this.stepIndex, prompt: problem.prompt, completions };
  }

  private buffers: StepBuffers | null = null;

  /** The step's batch on the GPU; reallocated only when (S, T) changes. */
  private upload(ro: ScoredRollouts): StepBuffers {
    const S = ro.sample.R, T = ro.sample.T, ctx = this.ctx;
    let b = this.buffers;
    if (!b || b.S !== S || b.T !== T) {
      this.disposeBuffers();
      // The per-token arrays a minibatch gathers, as planes of one buffer in PER_TOKEN's order (so each
      // minibatch gathers them in one dispatch).
      const plane = alignedElements(S * T);
      const planes = ctx.tensor([PER_TOKEN.length * plane]);
      const views = Object.fromEntries(PER_TOKEN.map(([key, dtype], k) => [key, planes.viewAs(dtype, [S, T], k * plane)])) as Pick<StepBuffers, (typeof PER_TOKEN)[number][0]>;
      b = this.buffers = {
        S, T, planes, ...views,
        rewards: ctx.tensor([S]),
        signal: ctx.tensor([S]),
        signalMetrics: ctx.tensor([8]),
        entropy: ctx.tensor([S, T]),
        sampleKeep: ctx.tensor([S]),
        selectionMetrics: ctx.tensor([SELECTION_METRICS]),
        stats: ctx.tensor([4]),
      };
    }
    ctx.write(b.tokens, ro.sample.tokens);
    ctx.write(b.targets, nextTokenTargets(ro.sample.tokens, S, T));
    ctx.write(b.mask, ro.sample.mask);
    ctx.write(b.rewards, ro.rewards);
    ctx.zero(b.keep);
    ctx.zero(b.selectionMetrics);
    return b;
  }

  private disposeBuffers(): void {
    if (this.buffers) for (const t of Object.values(this.buffers)) if (typeof t !== 'number') t.dispose();
    this.buffers = null;
  }

  // ------------------------------------------------------------ persistence

  /** Parameters, AdamW moments and the counters, to resume the run exactly (run-state.ts). */
  async saveState(): Promise<ArrayBuffer> {
    const [params, m, v] = (await this.ctx.readMany([this.model.params, this.model.m, this.model.v])) as Float32Array[];
    return encodeRunState(this.config, { params, m, v, step: this.stepIndex, adamStep: this.model.stepCount, tokensUsed: this.tokensUsed, evaluatedAt: this.evaluatedAt });
  }

  /**
   * Restores a state written by saveState for this same run. A state that is
   * incomplete, altered or from another run is refused with a CheckpointError
   * naming what is wrong, and the trainer is left as it was.
   */
  loadState(buffer: ArrayBuffer): void {
    const s = decodeRunState(buffer, this.config, this.base.params.length);
    this.ctx.write(this.model.params, s.params);
    this.ctx.write(this.model.m, s.m);
    this.ctx.write(this.model.v, s.v);
    this.stepIndex = s.step;
    this.model.stepCount = s.adamStep;
    this.tokensUsed = s.tokensUsed;
    this.evaluatedAt = s.evaluatedAt;
  }

  /** The current policy as a model checkpoint (same format as the base). */
  async checkpointMeta(): Promise<{ params: Float32Array; meta: Omit<CheckpointMeta, 'config'> }> {
    const params = (await this.ctx.read(this.model.params)) as Float32Array;
    return { params, meta: { alphabet: this.base.meta.alphabet, task: this.base.meta.task, taskConfig: this.base.meta.taskConfig, step: this.stepIndex } };
  }

  get layout() {
    return this.model.layout;
  }

  /** Frees every GPU buffer the trainer allocated: samplers and their caches, the model, the base parameters, the step's buffers. */
  dispose(): void {
    this.disposeBuffers();
    if (this.evalSampler !== this.sampler) this.evalSampler.dispose();
    this.sampler.dispose();
    this.baseParams.dispose();
    this.swap.dispose();
    this.model.dispose();
  }
}
