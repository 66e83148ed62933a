// An exported run as a list of files: the same folder whether the CLI writes
// it to disk or the lab zips it for download (so nothing here needs Node).
// It holds the run's prompts (made by the lab's own generator), the task's
// verifier as Python, the engine config the settings map to, launch scripts
// and a README naming everything that did not carry over.

import type { RunConfig } from '../rl/config';
import { evalProblemsOf, type Problem, trainStepProblems } from '../rl/rollout';
import { getTask, resolveConfig } from '../tasks/registry';
import type { AnyTask, TaskConfig } from '../tasks/types';
import { engineOptions, type ExportFacts, type ExportTarget, type MappedRun, type Options, SUBSTITUTE_MODELS, TRL_SCRIPT_KEYS, VERL_SCRIPT_KEYS } from './mapping';
import { folderReadme } from './readme';

const TASK_PY = import.meta.glob('../tasks/python/*.py', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
const ENGINE_PY = import.meta.glob('./python/*.py', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

/** More training prompts than this are not written; the README says how many the run would use. */
export const MAX_TRAIN_PROMPTS = 50_000;

export interface ExportFile {
  path: string;
  text: string;
  executable?: boolean;
}

export interface ExportRequest {
  target: ExportTarget;
  config: RunConfig;
  /** The task config of the run's base model (checkpoint metadata); knobs it lacks take their defaults. */
  taskConfig: Partial<TaskConfig> | null;
  /** The run's name, for the README. */
  name: string;
  /** Where the run came from (a folder, a link, the lab), for the README. */
  source: string;
}

export interface ExportPlan {
  files: ExportFile[];
  mapped: MappedRun;
  trainPrompts: number;
  /** Prompts the run would see in all (steps × prompts), beyond MAX_TRAIN_PROMPTS when capped. */
  promptsNeeded: number;
}

function fileText(files: Record<string, string>, name: string): string {
  const entry = Object.entries(files).find(([path]) => path.endsWith(`/${name}`));
  if (entry === undefined) throw new Error(`export: the Python file ${name} is missing from the build`);
  return entry[1];
}

/** How an instruct model should answer, in words: the lab's prompts are terse. */
export function taskInstruction(task: AnyTask, cfg: TaskConfig): string {
  switch (task.name) {
    case 'countdown':
      return 'The prompt lists numbers, then ">" and a target, then ":". Reply with one expression over + - * / and parentheses that uses each number exactly once and equals the target, and nothing else.';
    case 'arithmetic':
      return 'Reply with the integer value of the expression before "=", and nothing else.';
    case 'paths':
      return 'The prompt lists directed edges ("ab" is an edge from a to b), then start ">" goal, then ":". Reply with a path from start to goal along the edges that visits no node twice, written as its node letters (for example "acd"), and nothing else.';
    case 'tree':
    case 'trees':
      return `Reply with exactly ${cfg.h} letters, each one of "${'abcdefgh'.slice(0, cfg.k)}", and nothing else; a few sequences win.`;
  }
}

function jsonl(problems: readonly Problem[], instruction: string): string {
  return problems.map((p) => `${JSON.stringify({ prompt: p.prompt, problem: JSON.stringify(p.data), instruction })}\n`).join('');
}

function splitOptions(options: Options, scriptKeys: readonly string[]): { script: Options; engine: Options } {
  const script: Options = {};
  const engine: Options = {};
  for (const [k, v] of Object.entries(options)) (scriptKeys.includes(k) ? script : engine)[k] = v;
  return { script, engine };
}

/** A Hydra override's value as verl's command line reads it. */
function hydraValue(v: Options[string]): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (Array.isArray(v)) return `[${v.map((x) => `'${String(x)}'`).join(',')}]`;
  return String(v);
}

function verlScript(engine: Options, entry: string, model: string): string {
  const lines = Object.entries(engine).map(([k, v]) => `  ${k}=${k === 'actor_rollout_ref.model.path' ? '"$MODEL"' : `"${hydraValue(v)}"`} \\`);
  return `#!/usr/bin/env bash
# The exported run on the ROVER authors' verl fork (github.com/yuxiaooye/ROVER,
# Math/ release): run it from a checkout of that folder with verl installed.
#   MODEL=${model} N_GPUS=1 bash run_verl.sh      # one GPU
#   N_GPUS=8 bash run_verl.sh                     # several (one node)
# Extra Hydra overrides after the script name are passed on.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
MODEL="\${MODEL:-${model}}"
N_GPUS="\${N_GPUS:-1}"
MICRO_BATCH="\${MICRO_BATCH:-4}"
python3 "$HERE/make_parquet.py" --instruct
cd "$HERE"
python3 -m ${entry} \\
${lines.join('\n')}
  actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu="$MICRO_BATCH" \\
  actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu="$MICRO_BATCH" \\
  actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu="$MICRO_BATCH" \\
  actor_rollout_ref.rollout.name=vllm \\
  actor_rollout_ref.rollout.tensor_model_parallel_size=1 \\
  algorithm.use_kl_in_reward=False \\
  trainer.critic_warmup=0 \\
  trainer.n_gpus_per_node="$N_GPUS" \\
  trainer.nnodes=1 \\
  "$@"
`;
}

function trlLaunch(model: string): string {
  return `#!/usr/bin/env bash
# The exported run on TRL (pip install trl transformers torch accelerate datasets).
#   bash launch_trl.sh                 # one GPU
#   N_GPUS=4 bash launch_trl.sh        # several, through accelerate
# Extra arguments go to train_trl.py (--micro-batch N, --max-steps N, ...).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
MODEL="\${MODEL:-${model}}"
N_GPUS="\${N_GPUS:-1}"
if [ "$N_GPUS" -gt 1 ]; then
  accelerate launch --num_processes "$N_GPUS" "$HERE/train_trl.py" --model "$MODEL" --instruct "$@"
else
  python3 "$HERE/train_trl.py" --model "$MODEL" --instruct "$@"
fi
`;
}

export function buildExport(req: ExportRequest): ExportPlan {
  const { config, target } = req;
  const task = getTask(config.task);
  const cfg = resolveConfig(task, req.taskConfig ?? {});
  const issue = task.check(cfg);
  if (issue !== null) throw new Error(`export: the task config of this run is unusable: ${issue}`);
  const tokenizer = task.tokenizer(cfg);
  const facts: ExportFacts = { maxNewTokens: task.maxCompletionChars(cfg) + 1, maxPromptTokens: task.maxPromptChars(cfg) + 1, model: SUBSTITUTE_MODELS[config.preset] };

  const promptsNeeded = config.steps * config.prompts;
  const steps = Math.min(config.steps, Math.floor(MAX_TRAIN_PROMPTS / config.prompts));
  const train: Problem[] = [];
  for (let s = 0; s < steps; s++) train.push(...trainStepProblems(task, cfg, tokenizer, config, s));
  const evals = evalProblemsOf(task, cfg, tokenizer, config);
  const instruction = taskInstruction(task, cfg);

  const mapped = engineOptions(target, config, facts);
  const run = { format: 'rlvr-lab/export', version: 1, name: req.name, source: req.source, target, task: config.task, taskConfig: cfg, alphabet: tokenizer.alphabet, config, unmatched: mapped.unmatched, unused: mapped.unused };
  const files: ExportFile[] = [
    { path: 'lab_run.json', text: `${JSON.stringify(run, null, 2)}\n` },
    { path: 'data/train.jsonl', text: jsonl(train, instruction) },
    { path: 'data/eval.jsonl', text: jsonl(evals, instruction) },
    { path: 'reward/lab_completion.py', text: fileText(TASK_PY, 'lab_completion.py') },
    { path: `reward/${config.task}.py`, text: fileText(TASK_PY, `${config.task}.py`) },
    // The many-trees reward is the tree reward, imported from its module.
    ...(config.task === 'trees' ? [{ path: 'reward/tree.py', text: fileText(TASK_PY, 'tree.py') }] : []),
    { path: 'lab_reward.py', text: fileText(ENGINE_PY, 'lab_reward.py') },
  ];
  if (target === 'trl') {
    const { script, engine } = splitOptions(mapped.options, TRL_SCRIPT_KEYS);
    const trlConfig = { ...script, alphabet: tokenizer.alphabet, grpo_config: engine };
    files.push(
      { path: 'trl_config.json', text: `${JSON.stringify(trlConfig, null, 2)}\n` },
      { path: 'train_trl.py', text: fileText(ENGINE_PY, 'train_trl.py') },
      { path: 'launch_trl.sh', text: trlLaunch(facts.model), executable: true },
    );
  } else {
    const { script, engine } = splitOptions(mapped.options, VERL_SCRIPT_KEYS);
    files.push(
      { path: 'make_parquet.py', text: fileText(ENGINE_PY, 'make_parquet.py') },
      { path: 'run_verl.sh', text: verlScript(engine, String(script.entry), facts.model), executable: true },
    );
  }
  const plan: ExportPlan = { files, mapped, trainPrompts: train.length, promptsNeeded };
  files.unshift({ path: 'README.md', text: folderReadme(req, plan, facts, instruction) });
  return plan;
}
