// The exported folder's README and docs/scale-out.md's mapping table, both
// written from the one mapping (mapping.ts), so neither can drift from the
// configs the export writes.

import { type RunConfig, type RunSchema, runSchema } from '../rl/config';
import type { ExportPlan, ExportRequest } from './folder';
import { type ExportFacts, type ExportTarget, FIXED_MAP, type Json, SETTING_MAP, SUBSTITUTE_MODELS, type SettingMapping } from './mapping';

const ENGINE_NAMES: Record<ExportTarget, string> = { trl: 'TRL (GRPOTrainer)', 'verl-rover': "the ROVER authors' verl fork" };
/** Marks the generated table in docs/scale-out.md. */
export const TABLE_START = '<!-- mapping table: generated from src/export/mapping.ts by `npm run export -- --write-docs` -->';
export const TABLE_END = '<!-- end of mapping table -->';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const label = (key: keyof RunSchema) => `${runSchema[key].label} (\`${key}\`)`;

function showValue(v: Json): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The lab setting → TRL → verl table for the docs: every setting, then the options no setting names. */
export function mappingTable(): string {
  const rows = ['| lab setting | TRL (GRPOConfig) | verl / ROVER | how it carries over |', '| --- | --- | --- | --- |'];
  for (const [key, m] of Object.entries(SETTING_MAP) as [keyof RunSchema, SettingMapping][]) {
    rows.push(`| ${cell(label(key))} | ${cell(m.trl?.option ?? 'no equivalent')} | ${cell(m.verl?.option ?? 'no equivalent')} | ${cell(m.note)} |`);
  }
  for (const row of FIXED_MAP) rows.push(`| ${cell(row.label)} | ${cell(row.trl.option)} | ${cell(row.verl.option)} | ${cell(row.note)} |`);
  return rows.join('\n');
}

/** docs text with its mapping table replaced by the current one; throws when the markers are missing. */
export function withMappingTable(doc: string): string {
  const start = doc.indexOf(TABLE_START);
  const end = doc.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`the document has no mapping table markers (${TABLE_START} … ${TABLE_END})`);
  return `${doc.slice(0, start + TABLE_START.length)}\n\n${mappingTable()}\n\n${doc.slice(end)}`;
}

function settingLines(req: ExportRequest, keys: readonly (keyof RunSchema)[], show: (key: keyof RunSchema) => string): string {
  return keys.map((key) => `- **${label(key)} = ${showValue(req.config[key] as RunConfig[keyof RunConfig])}**: ${show(key)}`).join('\n');
}

function mappedRows(req: ExportRequest, plan: ExportPlan, facts: ExportFacts): string {
  const rows = ['| lab setting | value | option |', '| --- | --- | --- |'];
  for (const [key, m] of Object.entries(SETTING_MAP) as [keyof RunSchema, SettingMapping][]) {
    if (plan.mapped.unused.includes(key) || plan.mapped.unmatched.includes(key)) continue;
    const engine = req.target === 'trl' ? m.trl : m.verl;
    const values = engine?.values(req.config, facts);
    if (!values) continue;
    const shown = Object.entries(values).map(([k, v]) => `\`${k}=${showValue(v)}\``).join(', ') || engine!.option;
    rows.push(`| ${cell(label(key))} | ${cell(showValue(req.config[key]))} | ${cell(shown)} |`);
  }
  return rows.join('\n');
}

function launchSection(target: ExportTarget, model: string): string {
  if (target === 'trl') {
    return `\`\`\`sh
pip install trl transformers torch accelerate datasets
bash launch_trl.sh                          # one GPU: python3 train_trl.py --model ${model} --instruct
N_GPUS=4 bash launch_trl.sh                 # several: accelerate launch --num_processes 4 train_trl.py ...
python3 train_trl.py --tiny-random-model --instruct --max-steps 2   # CPU smoke test, no downloads
\`\`\`

\`train_trl.py\` passes \`trl_config.json\`'s \`grpo_config\` to GRPOConfig unchanged, except that it splits each minibatch
over the processes (and \`--micro-batch N\` completions per forward pass, the rest by gradient accumulation), so the
number of completions per optimizer step stays the lab's on any number of GPUs.`;
  }
  return `From a checkout of github.com/yuxiaooye/ROVER, \`Math/\` folder, with its verl installed:

\`\`\`sh
MODEL=${model} N_GPUS=1 bash /path/to/this/folder/run_verl.sh     # one GPU
N_GPUS=8 bash /path/to/this/folder/run_verl.sh                    # several, one node
\`\`\`

\`run_verl.sh\` writes \`data/*.parquet\` from the JSONL (\`make_parquet.py\`) and starts \`verl.trainer.main_rover\`
(ROVER runs) or \`verl.trainer.main_ppo\` (GRPO and D³S runs) with the overrides below.`;
}

export function folderReadme(req: ExportRequest, plan: ExportPlan, facts: ExportFacts, instruction: string): string {
  const { config, target } = req;
  const capped = plan.trainPrompts < plan.promptsNeeded;
  const unmatched = plan.mapped.unmatched;
  const unusedKeys = plan.mapped.unused;
  const entryOf = (key: keyof RunSchema): SettingMapping => SETTING_MAP[key];
  return `# ${req.name}: an RLVR Lab run exported for ${ENGINE_NAMES[target]}

Exported from ${req.source}: task **${config.task}**, algorithm **${config.algo}**, seed ${config.seed}, ${config.steps} steps.
Every lab setting is below: mapped to an option, listed as having no equivalent (with what to do), or listed as unused by this run's algorithm.

## Model

The lab's policy (preset **${config.preset}**) is a character-level transformer of well under a million parameters with no
Hugging Face counterpart. Substitute **${facts.model}** (the export's default; presets map tiny → ${SUBSTITUTE_MODELS.tiny},
small → ${SUBSTITUTE_MODELS.small}, base → ${SUBSTITUTE_MODELS.base}); any causal LM works. With \`--instruct\` (the launchers pass it) each prompt goes to the model as a chat message that starts with:

> ${instruction}

The learning rate (${config.lr}) was tuned for the lab's tiny policy; a pretrained model wants far less (1e-6 is usual).

## Launch

${launchSection(target, facts.model)}

## Files

- \`data/train.jsonl\`: ${plan.trainPrompts} training prompts, in the order the lab trains on them (step s uses prompts s·${config.prompts} … s·${config.prompts} + ${config.prompts - 1}); each row has \`prompt\` (the lab's text), \`problem\` (what the verifier needs, as JSON) and \`instruction\`.${capped ? ` The run would use ${plan.promptsNeeded}; only the first ${plan.trainPrompts} are written (${Math.floor(plan.trainPrompts / config.prompts)} steps), so set the step count to that or export a shorter run.` : ''}
- \`data/eval.jsonl\`: ${config.evalPrompts} held-out prompts, as the lab evaluates.
- \`reward/${config.task}.py\`, \`reward/lab_completion.py\`: the task's verifier in standard-library Python, scoring exactly as the lab's (partial credit included; the lab's tests compare both on over 10,000 completions per task). \`lab_reward.py\` adapts it to ${target === 'trl' ? "TRL's reward-function signature (`lab_reward`; `lab_correct` logs correctness at weight 0)" : "verl's `compute_score`"}.
- \`lab_run.json\`: the run's settings, task config and alphabet as the lab had them.
${target === 'trl' ? '- `trl_config.json`, `train_trl.py`, `launch_trl.sh`: the GRPOConfig options, the training script, the launcher.' : '- `run_verl.sh`, `make_parquet.py`: the launcher with every override, and the data converter.'}

## Settings that carried over

${mappedRows(req, plan, facts)}

## Settings with no equivalent in ${ENGINE_NAMES[target]}

${unmatched.length === 0 ? 'None: every setting this run uses has an option.' : settingLines(req, unmatched, (key) => entryOf(key).note)}

## Settings this run's algorithm (${config.algo}) does not use

${unusedKeys.length === 0 ? 'None.' : settingLines(req, unusedKeys, () => 'not read by the lab for this algorithm, so not exported.')}
`;
}
