// Supervised pretraining of a base policy: batches of task demonstrations
// (each correct with probability ≈ correctRate) trained by masked
// cross-entropy with AdamW. The base this makes is what RL starts from, so it
// should know the output format and sometimes the answer, not always: the
// correct rate of its demonstrations sets how much room RL has.
//
// Loss mask: the completion tokens and the closing EOS carry weight 1; prompt
// tokens carry `promptWeight` (default 0). Prompts are random draws the policy
// only ever conditions on, so modelling them would spend a small model's
// capacity on a distribution RL never samples from.
//
// Everything here runs in the browser and in Node alike (no Node imports).
// Legend: B batch (sequences), T time (positions).

import { type Schema, type Values, parseFlags } from '../config/schema';
import type { GpuContext } from '../gpu/context';
import { contextLength, getTask, resolveConfig } from '../tasks/registry';
import { EOS, PAD, type CharTokenizer } from '../tasks/tokenizer';
import { type AnyTask, TASK_NAMES, type TaskConfig, type TaskName } from '../tasks/types';
import { type ModelConfig, type PresetName, presetConfig } from './config';
import { decodeSafetensors, encodeSafetensors, writeCheckpoint } from './checkpoint';
import { DEFAULT_ADAMW, GptModel } from './gpt';

export interface PretrainOptions {
  task: TaskName;
  taskConfig: TaskConfig;
  preset: PresetName;
  steps: number;
  /** B: demonstrations per step. */
  batch: number;
  /** Peak learning rate (linear warmup, then cosine decay to a tenth). */
  lr: number;
  /** Probability that a demonstration is correct. */
  correctRate: number;
  seed: number;
  /** Loss weight of prompt tokens relative to completion tokens. */
  promptWeight: number;
  weightDecay: number;
  warmupSteps: number;
}

export const PRETRAIN_DEFAULTS: Omit<PretrainOptions, 'task' | 'taskConfig'> = {
  preset: 'tiny',
  steps: 300,
  batch: 32,
  lr: 3e-3,
  correctRate: 0.3,
  seed: 1,
  promptWeight: 0,
  weightDecay: 0.01,
  warmupSteps: 20,
};

export interface DemonstrationBatch {
  B: number;
  T: number;
  /** [B, T]: BOS, prompt, demonstration, EOS, then PAD. */
  tokens: Uint32Array;
  /** [B, T]: loss weight of predicting tokens[b, t+1] at position t. */
  mask: Float32Array;
}

/**
 * The demonstrations of training step `step`: prompt i of the batch is the
 * train split's prompt number step·B + i. T is the longest sequence of the
 * batch, so short tasks do not pay for the context length.
 */
export function demonstrationBatch(task: AnyTask, cfg: TaskConfig, tokenizer: CharTokenizer, seed: number, step: number, B: number, correctRate: number, promptWeight: number): DemonstrationBatch {
  const rows: { prompt: number[]; completion: number[] }[] = [];
  for (let i = 0; i < B; i++) {
    const index = step * B + i;
    const problem = task.generate(cfg, 'train', seed, index);
    rows.push({
      prompt: tokenizer.encodePrompt(task.promptText(problem)),
      completion: [...tokenizer.encode(task.demonstration(cfg, problem, seed, index, correctRate)), EOS],
    });
  }
  const T = Math.max(...rows.map((r) => r.prompt.length + r.completion.length));
  const tokens = new Uint32Array(B * T).fill(PAD);
  const mask = new Float32Array(B * T);
  rows.forEach(({ prompt, completion }, b) => {
    tokens.set(prompt, b * T);
    tokens.set(completion, b * T + prompt.length);
    // Position t predicts token t+1: positions 0..P−2 predict the prompt after BOS, P−1.. the completion.
    for (let t = 0; t + 1 < prompt.length; t++) mask[b * T + t] = promptWeight;
    for (let t = prompt.length - 1; t < prompt.length - 1 + completion.length; t++) mask[b * T + t] = 1;
  });
  return { B, T, tokens, mask };
}

/** Linear warmup to `lr`, then cosine decay to lr/10 at the last step. */
export function learningRate(opts: Pick<PretrainOptions, 'lr' | 'steps' | 'warmupSteps'>, step: number): number {
  if (step < opts.warmupSteps) return (opts.lr * (step + 1)) / opts.warmupSteps;
  const span = Math.max(1, opts.steps - opts.warmupSteps);
  const progress = Math.min(1, (step - opts.warmupSteps) / span);
  return opts.lr * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

export interface PretrainStep {
  step: number;
  /** Mean cross-entropy (nats per weighted token) of this step's batch, before the update. */
  loss: number;
  lr: number;
}

export interface Pretrainer {
  readonly model: GptModel;
  readonly config: ModelConfig;
  readonly tokenizer: CharTokenizer;
  readonly task: AnyTask;
  readonly options: PretrainOptions;
  /** Runs one step (the next batch) and returns its loss. */
  step(): Promise<PretrainStep>;
  /** The checkpoint as safetensors bytes; `extraMetadata` joins the standard keys. */
  checkpoint(extraMetadata?: Record<string, string>): Promise<ArrayBuffer>;
  dispose(): void;
}

/** Weights to continue from instead of a fresh initialisation (a checkpoint of the same task, config and preset). */
export interface PretrainStart {
  params: Float32Array;
  /** Steps the weights have already been trained for; the checkpoint counts on from there. */
  step: number;
}

/** Validates the options and builds the model; the caller drives the steps (a CLI loop or a worker's message pump). */
export function createPretrainer(ctx: GpuContext, options: PretrainOptions, start?: PretrainStart): Pretrainer {
  const task = getTask(options.task);
  const cfg = options.taskConfig;
  const problem = task.check(cfg);
  if (problem !== null) throw new Error(`${options.task}: ${problem}`);
  if (!(options.correctRate >= 0 && options.correctRate <= 1)) throw new Error(`correctRate must lie in [0, 1], got ${options.correctRate}`);
  if (!(options.promptWeight >= 0)) throw new Error(`promptWeight must be ≥ 0, got ${options.promptWeight}`);
  const tokenizer = task.tokenizer(cfg);
  const config = presetConfig(options.preset, tokenizer.size, contextLength(task, cfg));
  const model = new GptModel(ctx, config, { maxBatch: options.batch, seed: options.seed, params: start?.params });
  let next = 0;
  return {
    model,
    config,
    tokenizer,
    task,
    options,
    async step() {
      const step = next++;
      const batch = demonstrationBatch(task, cfg, tokenizer, options.seed, step, options.batch, options.correctRate, options.promptWeight);
      const lr = learningRate(options, step);
      model.zeroGrad();
      model.forward(batch.tokens, batch.B, batch.T);
      const { losses } = model.backward({ crossEntropyMask: batch.mask });
      model.step({ ...DEFAULT_ADAMW, lr, weightDecay: options.weightDecay });
      const perToken = await ctx.read(losses!);
      // Summed in a fixed order on the CPU so the logged loss is as reproducible as the weights.
      let sum = 0;
      let weight = 0;
      for (let n = 0; n < perToken.length; n++) {
        sum += perToken[n];
        weight += batch.mask[n];
      }
      return { step, loss: weight > 0 ? sum / weight : 0, lr };
    },
    async checkpoint(extraMetadata = {}) {
      const params = await model.readParams();
      const bytes = writeCheckpoint(model.layout, params, { alphabet: tokenizer.alphabet, task: options.task, taskConfig: cfg, step: (start?.step ?? 0) + next });
      if (Object.keys(extraMetadata).length === 0) return bytes;
      // writeCheckpoint owns the standard metadata; re-encoding only appends keys to it.
      const { metadata } = decodeSafetensors(bytes);
      const tensors = model.layout.entries.map((e) => ({ name: e.name, shape: e.shape, data: params.subarray(e.offset, e.offset + e.size) }));
      return encodeSafetensors(tensors, { ...metadata, ...extraMetadata });
    },
    dispose() {
      model.dispose();
    },
  };
}

/** Options as recorded in a checkpoint's "pretrain" metadata. */
export function pretrainMetadata(options: PretrainOptions, finalLoss: number): Record<string, string> {
  return { pretrain: JSON.stringify({ ...options, finalLoss }) };
}

// ------------------------------------------------------------------ settings

/** The pretraining settings as flags (npm run pretrain) or form fields; keys are the flag names. */
export const pretrainSchema = {
  task: { kind: 'enum', options: TASK_NAMES, default: 'countdown' as TaskName, label: 'Task', help: 'Task whose demonstrations are learned' },
  'task-config': { kind: 'string', default: '', maxLength: 400, label: 'Task config', help: 'Task knobs as key=value,… over the task defaults, e.g. count=4,maxNumber=20' },
  preset: { kind: 'enum', options: ['tiny', 'small', 'base'] as const, default: PRETRAIN_DEFAULTS.preset, label: 'Model', help: 'Model size preset' },
  steps: { kind: 'int', default: PRETRAIN_DEFAULTS.steps, min: 1, max: 1_000_000, label: 'Steps', help: 'Optimizer steps, one batch of demonstrations each' },
  seed: { kind: 'int', default: PRETRAIN_DEFAULTS.seed, min: 0, max: 2147483647, label: 'Seed', help: 'Seeds the initial weights, the prompts and the demonstrations' },
  batch: { kind: 'int', default: PRETRAIN_DEFAULTS.batch, min: 1, max: 4096, label: 'Batch', help: 'Demonstrations per step' },
  lr: { kind: 'float', default: PRETRAIN_DEFAULTS.lr, min: 1e-7, max: 1, log: true, label: 'Learning rate', help: 'Peak AdamW learning rate (linear warmup, cosine decay to a tenth)' },
  warmup: { kind: 'int', default: PRETRAIN_DEFAULTS.warmupSteps, min: 0, max: 1_000_000, label: 'Warmup', help: 'Linear learning-rate warmup steps' },
  'weight-decay': { kind: 'float', default: PRETRAIN_DEFAULTS.weightDecay, min: 0, max: 1, label: 'Weight decay', help: 'Decoupled AdamW weight decay' },
  'correct-rate': { kind: 'float', default: PRETRAIN_DEFAULTS.correctRate, min: 0, max: 1, label: 'Correct rate', help: 'Probability that a demonstration is a correct solution' },
  'prompt-weight': { kind: 'float', default: PRETRAIN_DEFAULTS.promptWeight, min: 0, max: 1, label: 'Prompt weight', help: 'Loss weight of prompt tokens (completion tokens weigh 1)' },
  init: { kind: 'string', default: '', maxLength: 1000, label: 'Continue from', help: 'Checkpoint to continue training from (same task, task config and preset); empty starts fresh' },
  out: { kind: 'string', default: '', maxLength: 1000, label: 'Output', help: 'Checkpoint file (.safetensors); the loss curve goes to <out>.loss.csv' },
  'eval-prompts': { kind: 'int', default: 32, min: 0, max: 4096, label: 'Eval prompts', help: 'Held-out prompts for the final pass@k (0 skips the evaluation)' },
  'eval-samples': { kind: 'int', default: 64, min: 1, max: 1024, label: 'Eval samples', help: 'Samples per eval prompt at temperature 1' },
  'log-every': { kind: 'int', default: 25, min: 1, max: 1_000_000, label: 'Log every', help: 'Print the mean loss every this many steps' },
} satisfies Schema;

export type PretrainFlags = Values<typeof pretrainSchema>;

/** Parses `key=value,…` task knobs; unknown keys and non-numbers are errors, values are then clamped like any setting. */
export function parseTaskConfig(taskName: TaskName, text: string): { config: TaskConfig; errors: string[] } {
  const task = getTask(taskName);
  const overrides: Record<string, number> = {};
  const errors: string[] = [];
  const known = task.knobs.map((k) => k.key);
  for (const part of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const [key, value, ...rest] = part.split('=');
    const n = Number(value);
    if (rest.length > 0 || value === undefined || value.trim() === '' || !Number.isFinite(n)) errors.push(`--task-config: "${part}" is not key=number`);
    else if (!known.includes(key)) errors.push(`--task-config: ${taskName} has no knob "${key}" (knobs: ${known.join(', ')})`);
    else overrides[key] = n;
  }
  const config = resolveConfig(task, overrides);
  const problem = errors.length === 0 ? task.check(config) : null;
  if (problem !== null) errors.push(`--task-config: ${problem}`);
  return { config, errors };
}

/** Flags → options, with every problem named (unknown flags included). */
export function parsePretrainFlags(argv: readonly string[]): { flags: PretrainFlags; options: PretrainOptions; errors: string[] } {
  const { values: flags, errors } = parseFlags(pretrainSchema, argv);
  const task = parseTaskConfig(flags.task, flags['task-config']);
  errors.push(...task.errors);
  const options: PretrainOptions = {
    task: flags.task,
    taskConfig: task.config,
    preset: flags.preset,
    steps: flags.steps,
    batch: flags.batch,
    lr: flags.lr,
    correctRate: flags['correct-rate'],
    seed: flags.seed,
    promptWeight: flags['prompt-weight'],
    weightDecay: flags['weight-decay'],
    warmupSteps: flags.warmup,
  };
  return { flags, options, errors };
}
