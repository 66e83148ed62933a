// Exports for every task, algorithm and engine: every lab setting is either
// mapped to an option that reaches the engine's config or listed in the
// README with what to do; the prompts are the lab's own; the shipped Python
// compiles, the verl launcher parses, and the folder's reward function scores
// a solution of its first prompt as 1.

import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ALGORITHMS, defaultRunConfig, type RunConfig, runSchema } from '../rl/config';
import { makeProblems } from '../rl/rollout';
import { getTask, resolveConfig, TASK_REGISTRY } from '../tasks/registry';
import type { TaskName } from '../tasks/types';
import { runPython } from '../testing/python';
import { deriveSeed } from '../util/rng';
import { buildExport, type ExportPlan, type ExportRequest } from './folder';
import { EXPORT_TARGETS, type ExportTarget, SETTING_MAP, TRL_SCRIPT_KEYS, VERL_SCRIPT_KEYS } from './mapping';
import { mappingTable, TABLE_END, TABLE_START } from './readme';

const TASKS = Object.keys(TASK_REGISTRY) as TaskName[];

function request(task: TaskName, algo: RunConfig['algo'], target: ExportTarget, extra: Partial<RunConfig> = {}): ExportRequest {
  const config: RunConfig = { ...defaultRunConfig(), task, algo, steps: 3, prompts: 4, group: 4, minibatches: 2, evalPrompts: 5, beta: 0.02, ...extra };
  return { target, config, taskConfig: null, name: `${task}-${algo}`, source: 'a test' };
}

const file = (plan: ExportPlan, path: string) => {
  const f = plan.files.find((x) => x.path === path);
  if (!f) throw new Error(`no ${path} in ${plan.files.map((x) => x.path).join(', ')}`);
  return f.text;
};

function writePlan(plan: ExportPlan): string {
  const dir = mkdtempSync(join(tmpdir(), 'export-'));
  for (const f of plan.files) {
    mkdirSync(join(dir, f.path, '..'), { recursive: true });
    writeFileSync(join(dir, f.path), f.text);
  }
  return dir;
}

/** Every option an engine receives: GRPOConfig's and the script's for TRL, the Hydra overrides and entry point for verl. */
function engineText(plan: ExportPlan, target: ExportTarget): string {
  return target === 'trl' ? file(plan, 'trl_config.json') + file(plan, 'lab_run.json') : file(plan, 'run_verl.sh');
}

describe('the mapping', () => {
  it('has an entry for every run setting and none for anything else', () => {
    expect(Object.keys(SETTING_MAP).sort()).toEqual(Object.keys(runSchema).sort());
  });

  it('docs/scale-out.md carries the current table (npm run export -- --write-docs rewrites it)', () => {
    const doc = readFileSync('docs/scale-out.md', 'utf8');
    const start = doc.indexOf(TABLE_START);
    const end = doc.indexOf(TABLE_END);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(doc.slice(start + TABLE_START.length, end).trim()).toBe(mappingTable());
  });
});

describe.each(EXPORT_TARGETS)('export to %s', (target) => {
  it.each(TASKS.flatMap((t) => ALGORITHMS.map((a) => [t, a] as const)))('%s / %s: every setting is mapped or listed, nothing dropped', (task, algo) => {
    const plan = buildExport(request(task, algo, target));
    const readme = file(plan, 'README.md');
    const engine = engineText(plan, target);
    const carried = readme.slice(readme.indexOf('## Settings that carried over'), readme.indexOf('## Settings with no equivalent'));
    const noEquivalent = readme.slice(readme.indexOf('## Settings with no equivalent'));
    for (const key of Object.keys(runSchema) as (keyof RunConfig)[]) {
      // Each setting sits in exactly one section of the README.
      const listed = plan.mapped.unmatched.includes(key) || plan.mapped.unused.includes(key);
      expect(carried.includes(`(\`${key}\`)`), `${key} under "carried over"`).toBe(!listed);
      expect(noEquivalent.includes(`(\`${key}\`)`), `${key} under "no equivalent" or "not used"`).toBe(listed);
      if (listed) continue;
      const entry = SETTING_MAP[key];
      const values = (target === 'trl' ? entry.trl : entry.verl)!.values(request(task, algo, target).config, { maxNewTokens: 1, maxPromptTokens: 1, model: 'm' })!;
      for (const [option, value] of Object.entries(values)) {
        const expected = target === 'trl' ? `"${option}"` : (VERL_SCRIPT_KEYS as readonly string[]).includes(option) ? String(value) : `${option}=`;
        expect(engine, `${key} → ${option}`).toContain(expected);
      }
    }
    if (algo === 'd3s') expect(plan.mapped.unmatched).toEqual(expect.arrayContaining(['d3sSamplesInit', 'd3sSamplesFinal', 'd3sTokensInit', 'd3sTokensFinal']));
    if (algo === 'rover' && target === 'trl') expect(plan.mapped.unmatched).toEqual(expect.arrayContaining(['algo', 'rho', 'roverReward']));
    if (algo === 'rover' && target === 'verl-rover') expect(file(plan, 'run_verl.sh')).toContain('actor_rollout_ref.actor.rover_t="1"');
    expect(readme).toContain('Qwen/Qwen2.5-0.5B-Instruct');
  });

  it('writes the prompts the lab trains and evaluates on, from the run seed and the task config', () => {
    for (const task of TASKS) {
      const req = request(task, 'grpo', target, { seed: 7 });
      req.taskConfig = task === 'paths' ? { shortestBonus: 0.2 } : task === 'countdown' ? { partialReward: 0.3 } : null;
      const plan = buildExport(req);
      const t = getTask(task);
      const cfg = resolveConfig(t, req.taskConfig ?? {});
      const tok = t.tokenizer(cfg);
      const rows = (path: string) => file(plan, path).trim().split('\n').map((l) => JSON.parse(l) as { prompt: string; problem: string });
      const train = makeProblems(t, cfg, tok, 'train', 7, 0, req.config.steps * req.config.prompts);
      const evals = makeProblems(t, cfg, tok, t.evalIsTrain ? 'train' : 'eval', deriveSeed(7, 'eval'), 0, req.config.evalPrompts);
      expect(rows('data/train.jsonl').map((r) => [r.prompt, JSON.parse(r.problem)])).toEqual(train.map((p) => [p.prompt, p.data]));
      expect(rows('data/eval.jsonl').map((r) => [r.prompt, JSON.parse(r.problem)])).toEqual(evals.map((p) => [p.prompt, p.data]));
    }
  });
});

describe('the exported files', () => {
  it('Python compiles, the launchers parse, and the reward function scores a solution of the first prompt as 1', () => {
    const checks: string[] = [];
    const sources: string[] = [];
    for (const task of TASKS) {
      for (const target of EXPORT_TARGETS) {
        const plan = buildExport(request(task, task === 'tree' ? 'rover' : 'grpo', target));
        const dir = writePlan(plan);
        sources.push(...plan.files.filter((f) => f.path.endsWith('.py')).map((f) => join(dir, f.path)));
        for (const sh of plan.files.filter((f) => f.path.endsWith('.sh'))) {
          const parsed = spawnSync('bash', ['-n', join(dir, sh.path)], { encoding: 'utf8' });
          expect(parsed.stderr, sh.path).toBe('');
          expect(parsed.status).toBe(0);
        }
        // Every file the launcher names is in the folder, or is a parquet file make_parquet.py writes from it.
        for (const sh of plan.files.filter((f) => f.path.endsWith('.sh'))) {
          for (const [, named] of sh.text.matchAll(/\$HERE\/([\w./-]+)/g)) {
            const present = plan.files.some((f) => f.path === named) || (/^data\/(train|eval)\.parquet$/.test(named) && plan.files.some((f) => f.path === `${named.slice(0, -'.parquet'.length)}.jsonl`));
            expect(present, `${sh.path} names ${named}`).toBe(true);
          }
        }
        const first = JSON.parse(file(plan, 'data/train.jsonl').split('\n')[0]) as { problem: string };
        const solution = getTask(task).solutions?.(JSON.parse(first.problem))?.[0] ?? '';
        // Each folder's lab_reward.py, imported from its own directory as the engines do.
        checks.push(`sys.path.insert(0, ${JSON.stringify(dir)}); m = runpy.run_path(${JSON.stringify(join(dir, 'lab_reward.py'))}); p = ${JSON.stringify(first.problem)}; out.append([m["lab_reward"]([${JSON.stringify(solution)}, "?"], [p, p]), m["compute_score"]("rlvr-lab", ${JSON.stringify(solution)}, p)]); sys.path.pop(0); sys.modules.pop("lab_completion", None); sys.modules.pop(${JSON.stringify(task)}, None)`);
      }
    }
    const compiled = runPython(['-m', 'py_compile', ...sources]);
    expect(compiled.stderr).toBe('');
    expect(compiled.status).toBe(0);
    const scored = runPython(['-c', `import json, runpy, sys\nout = []\n${checks.join('\n')}\nprint(json.dumps(out))`]);
    expect(scored.stderr).toBe('');
    expect(JSON.parse(scored.stdout)).toEqual(checks.map(() => [[1, 0], 1]));
  });

  it('is the same, byte for byte, for the same run', () => {
    const a = buildExport(request('countdown', 'd3s', 'verl-rover', { seed: 11 })).files;
    const b = buildExport(request('countdown', 'd3s', 'verl-rover', { seed: 11 })).files;
    expect(b).toEqual(a);
    const other = buildExport(request('countdown', 'd3s', 'verl-rover', { seed: 12 })).files;
    expect(file({ files: other } as ExportPlan, 'data/train.jsonl')).not.toBe(file({ files: a } as ExportPlan, 'data/train.jsonl'));
  });

  it('TRL gets GRPOConfig options only, and the lab minibatch as the completions per optimizer step', () => {
    const plan = buildExport(request('countdown', 'grpo', 'trl', { prompts: 8, group: 8, minibatches: 4, updatesPerBatch: 2, steps: 5 }));
    const trl = JSON.parse(file(plan, 'trl_config.json')) as { grpo_config: Record<string, unknown> };
    for (const key of TRL_SCRIPT_KEYS) expect(trl.grpo_config).not.toHaveProperty(key);
    expect(trl.grpo_config).toMatchObject({ num_generations: 8, generation_batch_size: 64, per_device_train_batch_size: 16, gradient_accumulation_steps: 1, num_iterations: 2, max_steps: 40, loss_type: 'dapo', scale_rewards: 'group', shuffle_dataset: false });
  });

  it('lists a setting whose value has no equivalent, and says so when prompts are capped', () => {
    const plan = buildExport(request('arithmetic', 'grpo', 'verl-rover', { polarity: 'positive', prompts: 6, minibatches: 4 }));
    expect(plan.mapped.unmatched).toEqual(['minibatches', 'polarity']);
    expect(file(plan, 'README.md')).toMatch(/Reinforce \(`polarity`\) = positive\*\*: Training on one advantage sign/);
    const long = buildExport(request('arithmetic', 'grpo', 'trl', { steps: 100_000, prompts: 8 }));
    expect(long.trainPrompts).toBe(50_000);
    expect(file(long, 'README.md')).toContain('The run would use 800000; only the first 50000 are written');
  });
});
