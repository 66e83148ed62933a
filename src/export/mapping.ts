// The one table from lab settings to the two engines a run is exported to:
// TRL's GRPOConfig and the ROVER authors' verl fork (its Math release, whose
// verl has `custom_reward_function` and `actor.rover_t`). Every runSchema key
// has an entry (the type enforces it, a test checks it): either the engine
// options it sets, computed from the run, or null with what to do instead.
// The exported configs, the folder README and docs/scale-out.md all come
// from here.

import { type RunConfig, type RunSchema, runSchema } from '../rl/config';

export const EXPORT_TARGETS = ['trl', 'verl-rover'] as const;
export type ExportTarget = (typeof EXPORT_TARGETS)[number];

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export type Options = Record<string, Json>;

/** What the run's task fixes, beside its settings. */
export interface ExportFacts {
  /** Longest completion in characters plus EOS: the lab's sampling length, an upper bound in tokens for any tokenizer. */
  maxNewTokens: number;
  /** Longest prompt in characters (plus BOS). */
  maxPromptTokens: number;
  /** Hugging Face model to substitute for the lab's policy. */
  model: string;
}

export interface EngineMapping {
  /** The options, as the table shows them. */
  option: string;
  /** The options and values for this run; null when this value has no equivalent (then `todo` applies). */
  values(c: RunConfig, f: ExportFacts): Options | null;
}

export interface SettingMapping {
  trl: EngineMapping | null;
  verl: EngineMapping | null;
  /** How the value carries over where it does, and what to do where it does not. */
  note: string;
}

const ROVER_RUN = (c: RunConfig) => c.algo === 'rover';
/** Optimizer steps per lab step: each minibatch is one, each sweep repeats them. */
export const optimizerStepsPerLabStep = (c: RunConfig) => c.minibatches * c.updatesPerBatch;

/** Models to substitute for the lab's presets: small instruct models of growing size. */
export const SUBSTITUTE_MODELS: Record<RunConfig['preset'], string> = {
  tiny: 'Qwen/Qwen2.5-0.5B-Instruct',
  small: 'Qwen/Qwen2.5-1.5B-Instruct',
  base: 'Qwen/Qwen2.5-3B-Instruct',
};

const AGGREGATION_TO_TRL: Record<RunConfig['aggregation'], string> = {
  'token-mean': 'dapo',
  'seq-mean-token-mean': 'grpo',
  'seq-mean-token-sum-norm': 'dr_grpo',
};

const same = (option: string, pick: (c: RunConfig, f: ExportFacts) => Json): EngineMapping => ({ option: `\`${option}\``, values: (c, f) => ({ [option]: pick(c, f) }) });

export const SETTING_MAP = {
  task: {
    trl: { option: 'reward function `lab_reward.py` (`reward/<task>.py`), prompts `data/*.jsonl`', values: (c) => ({ reward_function: c.task }) },
    verl: { option: '`custom_reward_function.path=lab_reward.py`, `data.train_files`, `data.val_files`', values: () => ({ 'custom_reward_function.path': '$HERE/lab_reward.py', 'custom_reward_function.name': 'compute_score', 'data.train_files': '$HERE/data/train.parquet', 'data.val_files': '$HERE/data/eval.parquet' }) },
    note: "The task's verifier as a Python function (same scores, partial credit included); its prompts from the lab's generator.",
  },
  algo: {
    trl: { option: '`GRPOTrainer`', values: (c) => (ROVER_RUN(c) ? null : { trainer: 'GRPOTrainer' }) },
    verl: { option: '`verl.trainer.main_rover` / `main_ppo`, `algorithm.adv_estimator`', values: (c) => ({ entry: ROVER_RUN(c) ? 'verl.trainer.main_rover' : 'verl.trainer.main_ppo', 'algorithm.adv_estimator': 'grpo' }) },
    note: 'GRPO and D³S train with GRPO\'s loss in both engines (D³S without its selection, see below). TRL has no ROVER loss: a ROVER run exported to TRL trains GRPO with the shared settings; export it with --to verl-rover to keep ROVER.',
  },
  preset: {
    trl: same('model', (_c, f) => f.model),
    verl: same('actor_rollout_ref.model.path', (_c, f) => f.model),
    note: 'The lab\'s character-level policies have no Hugging Face counterpart: substitute a small instruct model (tiny → 0.5B, small → 1.5B, base → 3B).',
  },
  seed: {
    trl: same('seed', (c) => c.seed),
    verl: { option: 'the prompts in `data/`', values: () => ({}) },
    note: 'The prompts (train and eval) are generated from the seed exactly as the lab draws them. Sampling randomness differs by engine: same seed, not the same completions.',
  },
  steps: {
    trl: { option: '`max_steps` (= steps × minibatches × sweeps)', values: (c) => ({ max_steps: c.steps * optimizerStepsPerLabStep(c) }) },
    verl: same('trainer.total_training_steps', (c) => c.steps),
    note: 'TRL counts optimizer steps, verl counts batches.',
  },
  prompts: {
    trl: { option: '`generation_batch_size` (= prompts × group)', values: (c) => ({ generation_batch_size: c.prompts * c.group }) },
    verl: same('data.train_batch_size', (c) => c.prompts),
    note: 'Prompts per step; the engines read them in the lab\'s order (`shuffle_dataset=False`, `data.shuffle=False`).',
  },
  group: {
    trl: same('num_generations', (c) => c.group),
    verl: same('actor_rollout_ref.rollout.n', (c) => c.group),
    note: 'G, completions per prompt.',
  },
  temperature: {
    trl: same('temperature', (c) => c.temperature),
    verl: same('actor_rollout_ref.rollout.temperature', (c) => c.temperature),
    note: 'Both engines also divide the training logits by it, as the lab does.',
  },
  topK: {
    trl: same('top_k', (c) => c.topK),
    verl: same('actor_rollout_ref.rollout.top_k', (c) => (c.topK === 0 ? -1 : c.topK)),
    note: 'All tokens: 0 in the lab and TRL, −1 in verl (vLLM).',
  },
  lr: {
    trl: { option: '`learning_rate`, `lr_scheduler_type=constant`', values: (c) => ({ learning_rate: c.lr, lr_scheduler_type: 'constant', warmup_steps: 0 }) },
    verl: same('actor_rollout_ref.actor.optim.lr', (c) => c.lr),
    note: 'AdamW (β = 0.9, 0.999, ε = 1e-8 in the lab and both engines) at a constant rate. A real model wants a far smaller rate (1e-6 is usual): scale it down.',
  },
  weightDecay: {
    trl: same('weight_decay', (c) => c.weightDecay),
    verl: same('actor_rollout_ref.actor.optim.weight_decay', (c) => c.weightDecay),
    note: 'Decoupled (AdamW).',
  },
  maxGradNorm: {
    trl: same('max_grad_norm', (c) => c.maxGradNorm),
    verl: { option: '`actor_rollout_ref.actor.grad_clip`', values: (c) => (c.maxGradNorm === 0 ? null : { 'actor_rollout_ref.actor.grad_clip': c.maxGradNorm }) },
    note: '0 turns clipping off in the lab and TRL; verl always clips (at 0 it would zero every gradient), so pass a large `actor_rollout_ref.actor.grad_clip` there instead.',
  },
  minibatches: {
    trl: {
      option: '`per_device_train_batch_size` × `gradient_accumulation_steps` (× GPUs) = prompts × group / minibatches',
      values: (c) => ((c.prompts * c.group) % c.minibatches === 0 ? { per_device_train_batch_size: (c.prompts * c.group) / c.minibatches, gradient_accumulation_steps: 1 } : null),
    },
    verl: {
      option: '`actor_rollout_ref.actor.ppo_mini_batch_size` (prompts)',
      values: (c) => (c.prompts % c.minibatches === 0 ? { 'actor_rollout_ref.actor.ppo_mini_batch_size': c.prompts / c.minibatches } : null),
    },
    note: 'One optimizer step per minibatch of prompts × group / minibatches completions, π_old the sampling policy. The TRL script splits a minibatch over GPUs and gradient accumulation (--micro-batch) without changing it. Both engines need equal minibatches (verl: whole prompts): when minibatches does not divide the rollouts (verl: the prompts), pick prompts a multiple of it.',
  },
  updatesPerBatch: {
    trl: same('num_iterations', (c) => c.updatesPerBatch),
    verl: same('actor_rollout_ref.actor.ppo_epochs', (c) => c.updatesPerBatch),
    note: 'Sweeps over each batch (μ).',
  },
  advScale: {
    trl: { option: '`scale_rewards`', values: (c) => (c.advScale === 'reward' ? null : { scale_rewards: c.advScale }) },
    verl: { option: '`algorithm.norm_adv_by_std_in_grpo`', values: (c) => (c.advScale === 'reward' ? null : { 'algorithm.norm_adv_by_std_in_grpo': c.advScale === 'group' }) },
    note: 'group: (r − mean)/std in the group; none: r − mean (Dr. GRPO). reward (2r − 1, no baseline) has no option in either engine: replace the advantages after they are computed, as for polarity below.',
  },
  epsLow: {
    trl: same('epsilon', (c) => c.epsLow),
    verl: same('actor_rollout_ref.actor.clip_ratio_low', (c) => c.epsLow),
    note: 'Lower clip range.',
  },
  epsHigh: {
    trl: same('epsilon_high', (c) => c.epsHigh),
    verl: same('actor_rollout_ref.actor.clip_ratio_high', (c) => c.epsHigh),
    note: 'Upper clip range (clip-higher when above ε low).',
  },
  beta: {
    trl: same('beta', (c) => c.beta),
    verl: {
      option: '`actor_rollout_ref.actor.use_kl_loss`, `kl_loss_coef`, `kl_loss_type=low_var_kl`',
      values: (c) => ({ 'actor_rollout_ref.actor.use_kl_loss': c.beta > 0, 'actor_rollout_ref.actor.kl_loss_coef': c.beta, 'actor_rollout_ref.actor.kl_loss_type': 'low_var_kl' }),
    },
    note: 'The k3 estimator of KL to the frozen base in all three. TRL logs `kl` only when β > 0 (the lab logs it always); at β = 0 neither engine keeps a reference model.',
  },
  aggregation: {
    trl: { option: '`loss_type` (token-mean → dapo, seq-mean-token-mean → grpo, seq-mean-token-sum-norm → dr_grpo)', values: (c) => ({ loss_type: AGGREGATION_TO_TRL[c.aggregation] }) },
    verl: same('actor_rollout_ref.actor.loss_agg_mode', (c) => c.aggregation),
    note: 'verl uses the lab\'s names. dr_grpo / seq-mean-token-sum-norm divide by the completion length limit, which is the lab\'s (max_completion_length below).',
  },
  klEvery: {
    trl: { option: 'none (logging only)', values: () => ({}) },
    verl: { option: 'none (logging only)', values: () => ({}) },
    note: 'How often the lab runs the base model just to log the KL when the loss does not need it. It changes no update; with β > 0 both engines compute the KL every step.',
  },
  decoding: {
    trl: { option: 'none (full vocabulary is the default)', values: (c) => (c.decoding === 'full' ? {} : null) },
    verl: { option: 'none (full vocabulary is the default)', values: (c) => (c.decoding === 'full' ? {} : null) },
    note: 'Decoding restricted to the answer\'s characters has no option in either engine: a logits processor that masks every other token at sampling (TRL: `generation_kwargs` with a `logits_processor`; vLLM: `allowed_token_ids`), and the same mask on the training logits, keeps the sampling and training policies equal.',
  },
  polarity: {
    trl: { option: 'none (both signs is the default)', values: (c) => (c.polarity === 'both' ? {} : null) },
    verl: { option: 'none (both signs is the default)', values: (c) => (c.polarity === 'both' ? {} : null) },
    note: 'Training on one advantage sign (PSR / NSR) has no option in either engine: zero the advantages of the other sign after they are computed (TRL: subclass GRPOTrainer and mask `advantages` in `_generate_and_score_completions`; verl: mask `data.batch["advantages"]` after `compute_advantage`).',
  },
  rho: {
    trl: null,
    verl: same('actor_rollout_ref.actor.rover_t', (c) => c.rho),
    note: 'ROVER\'s ρ is the authors\' rover_t.',
  },
  roverReward: {
    trl: null,
    verl: same('algorithm.norm_adv_by_std_in_grpo', (c) => c.roverReward === 'std'),
    note: 'ROVER reads its r̃ from the GRPO advantage estimator: centred (Countdown release) = no std scaling, std (Math release) = scaled by the group std.',
  },
  d3sSamplesInit: { trl: null, verl: null, note: 'D³S keeps the max-variance subset of each group, from this share at the start to the final share, linearly. Neither engine selects rollouts: port src/rl/d3s.ts d3sSelect into the advantage step (zero the advantages of dropped rollouts), or run plain GRPO.' },
  d3sSamplesFinal: { trl: null, verl: null, note: 'The end of the D³S sample schedule; see Kept samples (start).' },
  d3sTokensInit: { trl: null, verl: null, note: 'D³S keeps the top-K% tokens by |A|·entropy on a schedule. TRL\'s `top_entropy_quantile` keeps a fixed share of the highest-entropy tokens (entropy alone, no schedule): the nearest option, not the same rule.' },
  d3sTokensFinal: { trl: null, verl: null, note: 'The end of the D³S token schedule; see Kept tokens (start).' },
  evalEvery: {
    trl: { option: '`eval_strategy`, `eval_steps` (optimizer steps)', values: (c): Options => (c.evalEvery === 0 ? { eval_strategy: 'no' } : { eval_strategy: 'steps', eval_steps: c.evalEvery * optimizerStepsPerLabStep(c) }) },
    verl: { option: '`trainer.test_freq`, `trainer.val_before_train`', values: (c) => ({ 'trainer.test_freq': c.evalEvery === 0 ? -1 : c.evalEvery, 'trainer.val_before_train': true }) },
    note: 'The engines report the mean eval reward, not pass@k: score `eval.jsonl` with n samples and the reward function for pass@k.',
  },
  evalPrompts: {
    trl: { option: '`data/eval.jsonl`', values: () => ({}) },
    verl: { option: '`data/eval.parquet`', values: () => ({}) },
    note: 'The held-out prompts, generated as the lab does (the training prompts themselves for tree).',
  },
  evalSamples: {
    trl: { option: '`num_generations_eval`, `per_device_eval_batch_size`', values: (c) => ({ num_generations_eval: c.evalSamples, per_device_eval_batch_size: c.evalSamples }) },
    verl: {
      option: '`actor_rollout_ref.rollout.val_kwargs.n`, `.temperature`, `.do_sample`',
      values: (c) => ({ 'actor_rollout_ref.rollout.val_kwargs.n': c.evalSamples, 'actor_rollout_ref.rollout.val_kwargs.temperature': c.temperature, 'actor_rollout_ref.rollout.val_kwargs.do_sample': true }),
    },
    note: 'Samples per eval prompt, at the training temperature as in the lab.',
  },
} satisfies Record<keyof RunSchema, SettingMapping>;

/** Whether the run's algorithm reads the setting (from the schema's groups: grpo settings serve GRPO and D³S). */
export function settingUsed(key: keyof RunSchema, c: RunConfig): boolean {
  const group = (runSchema[key] as { group?: string }).group;
  if (group === 'grpo') return c.algo !== 'rover';
  if (group === 'rover') return c.algo === 'rover';
  if (group === 'd3s') return c.algo === 'd3s';
  return true;
}

export interface MappedRun {
  /** Engine options, merged from every mapped setting. */
  options: Options;
  /** Settings the run uses whose value has no equivalent in the engine. */
  unmatched: (keyof RunSchema)[];
  /** Settings the run's algorithm does not read. */
  unused: (keyof RunSchema)[];
}

export function mapRun(target: ExportTarget, c: RunConfig, f: ExportFacts): MappedRun {
  const out: MappedRun = { options: {}, unmatched: [], unused: [] };
  for (const key of Object.keys(SETTING_MAP) as (keyof RunSchema)[]) {
    if (!settingUsed(key, c)) {
      out.unused.push(key);
      continue;
    }
    const entry: SettingMapping = SETTING_MAP[key];
    const engine = target === 'trl' ? entry.trl : entry.verl;
    const values = engine?.values(c, f) ?? null;
    if (values === null) out.unmatched.push(key);
    else Object.assign(out.options, values);
  }
  return out;
}

/** Engine options that no lab setting names: fixed by the task or by how the export is read. */
export const FIXED_MAP: { label: string; trl: EngineMapping; verl: EngineMapping; note: string }[] = [
  {
    label: 'completion length (from the task)',
    trl: same('max_completion_length', (_c, f) => f.maxNewTokens),
    verl: same('data.max_response_length', (_c, f) => f.maxNewTokens),
    note: "The lab's sampling length: the longest answer in characters plus EOS, so a bound in tokens too. Raise it if the model should reason before answering (dr_grpo then normalises by the new length).",
  },
  {
    label: 'prompt length (from the task)',
    trl: { option: 'none (TRL does not truncate prompts)', values: () => ({}) },
    verl: same('data.max_prompt_length', (_c, f) => Math.max(256, 2 * f.maxPromptTokens)),
    note: 'Room for the chat template and the instruction beside the lab prompt.',
  },
  {
    label: 'prompt order',
    trl: same('shuffle_dataset', () => false),
    verl: same('data.shuffle', () => false),
    note: 'Step s trains on prompts s·P … s·P + P − 1 of data/train.jsonl, as in the lab.',
  },
  {
    label: 'logging',
    trl: { option: '`logging_steps=1`, `report_to=none`', values: () => ({ logging_steps: 1, report_to: 'none' }) },
    verl: { option: '`trainer.logger=[console]`', values: () => ({ 'trainer.logger': ['console'] }) },
    note: 'Every step logs reward, KL, entropy and clip ratios to the console.',
  },
];

/** Options of the TRL export that the script reads itself rather than passing to GRPOConfig. */
export const TRL_SCRIPT_KEYS = ['model', 'reward_function', 'trainer'] as const;
/** Options of the verl export that pick the entry point rather than being Hydra overrides. */
export const VERL_SCRIPT_KEYS = ['entry'] as const;

/** Every option of the export: the mapped settings, then the fixed ones. */
export function engineOptions(target: ExportTarget, c: RunConfig, f: ExportFacts): MappedRun {
  const mapped = mapRun(target, c, f);
  for (const row of FIXED_MAP) Object.assign(mapped.options, (target === 'trl' ? row.trl : row.verl).values(c, f));
  return mapped;
}
