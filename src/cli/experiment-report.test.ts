// The experiment summary on hand-made runs whose statistics are known: the
// summary.json schema, the paired effect tests and the report's plots.

import { describe, expect, it } from 'vitest';
import { interquartileMean } from '../metrics/stats';
import { defaultRunConfig, runConfigIssues } from '../rl/config';
import type { EvalRow, MetricsRow, TrainRow } from '../rl/types';
import { syntheticTrainRow } from '../app/test-rows';
import { type ArmRun, diversityPlot, finalMetrics, passAtKArmsPlot, reportedKs, resultsMarkdown, summarise, summaryProblems } from './experiment-report';
import { ARM_METRICS, armConfig, EXPERIMENTS, type ExperimentSpec, TUNING_SEEDS } from '../rl/experiments';

function evalRow(step: number, pass: number[], distinct: number, coverage: number | null = 0.5): EvalRow {
  return {
    kind: 'eval', step, prompts: 4, samples: 8,
    passAtK: pass.map((value, i) => ({ k: 2 ** i, value })),
    distinctCorrect: distinct, coverage, distinctAnswers: 1, distinctN: [1, 1, 1, 1], entropy: 0.5, wellFormed: 0.9,
  };
}

const train = (step: number, tokensUsed: number): TrainRow => ({ ...syntheticTrainRow(step), tokensUsed });

const SPEC: ExperimentSpec = {
  name: 'toy',
  title: 'a toy experiment',
  common: { task: 'tree', preset: 'tiny', steps: 2, evalPrompts: 4, evalSamples: 8 },
  base: 'nowhere.safetensors',
  defaultSeeds: 5,
  arms: [{ name: 'base', train: null }, { name: 'grpo', train: { algo: 'grpo' } }],
  effects: [
    { claim: 'raises pass@1', metric: 'pass@1', arm: 'grpo', than: 'base', kind: 'difference', side: 'above', bound: 0 },
    { claim: 'lowers pass@max', metric: 'pass@max', arm: 'grpo', than: 'base', kind: 'difference', side: 'below', bound: 0 },
    { claim: 'uses fewer tokens than itself', metric: 'tokens_used', arm: 'grpo', than: 'grpo', kind: 'ratio', side: 'below', bound: 0.6 },
  ],
};

/** Seed s: the base at pass@1 0.1 and pass@4 0.8; GRPO raises pass@1 by 0.1·s and lowers pass@4 by 0.05. */
function runsFor(seeds: number[]): ArmRun[] {
  const runs: ArmRun[] = [];
  for (const s of seeds) {
    const base = evalRow(0, [0.1, 0.3, 0.8, 0.9], 3);
    runs.push({ arm: 'base', seed: s, rows: [base] });
    runs.push({ arm: 'grpo', seed: s, rows: [base, train(1, 50), evalRow(1, [0.15, 0.3, 0.7, 0.9], 2), train(2, 100 * s), evalRow(2, [0.1 + 0.1 * s, 0.5, 0.75, 0.9], 1)] });
  }
  return runs;
}

describe('experiment summary', () => {
  it('reports k up to n/2 so that every pass@k has n ≥ 2k samples', () => {
    expect(reportedKs(64)).toEqual([1, 2, 4, 8, 16, 32]);
    expect(reportedKs(8)).toEqual([1, 2, 4]);
    expect(reportedKs(9)).toEqual([1, 2, 4]);
  });

  it('reads the final evaluation and the cumulative tokens of a run', () => {
    const m = finalMetrics(runsFor([3])[1].rows, [1, 2, 4]);
    expect(m).toEqual({ 'pass@1': 0.4, 'pass@2': 0.5, 'pass@4': 0.75, distinct_correct: 1, coverage: 0.5, entropy: 0.5, well_formed: 0.9, tokens_used: 300 });
    expect(() => finalMetrics([train(1, 1)], [1])).toThrow(/no evaluation/);
  });

  it('writes every arm and metric as { iqm, low, high, values } with the IQM of its per-seed values', () => {
    const seeds = [1, 2, 3, 4, 5];
    const s = summarise(SPEC, runsFor(seeds), seeds);
    expect(summaryProblems(JSON.parse(JSON.stringify(s)))).toEqual([]);
    expect(s.k).toEqual([1, 2, 4]);
    expect(Object.keys(s.arms)).toEqual(['base', 'grpo']);
    expect(Object.keys(s.arms.grpo)).toEqual(['pass@1', 'pass@2', 'pass@4', ...ARM_METRICS]);
    const p1 = s.arms.grpo['pass@1']!;
    expect(p1.values.map((v) => +v.toFixed(12))).toEqual([0.2, 0.3, 0.4, 0.5, 0.6]);
    // trim_mean(x, 0.25) with n = 5 drops one value at each end: mean(0.3, 0.4, 0.5).
    expect(p1.iqm).toBeCloseTo(0.4, 12);
    expect(p1.low).toBeLessThanOrEqual(p1.iqm);
    expect(p1.high).toBeGreaterThanOrEqual(p1.iqm);
    expect(s.arms.base.tokens_used!.values).toEqual([0, 0, 0, 0, 0]);
    expect(s.intervalsMeaningful).toBe(true);
  });

  it('tests each effect on per-seed paired differences and ratios', () => {
    const seeds = [1, 2, 3, 4, 5];
    const s = summarise(SPEC, runsFor(seeds), seeds);
    const [raise, lower, ratio] = s.effects;
    expect(raise.stat!.values.map((v) => +v.toFixed(12))).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(raise.holds).toBe(true);
    // pass@max resolves to the largest reported k, 4: 0.75 − 0.8 on every seed.
    expect(lower.metric).toBe('pass@4');
    expect(lower.stat!.values.every((v) => Math.abs(v + 0.05) < 1e-12)).toBe(true);
    expect(lower.holds).toBe(true);
    // grpo / grpo = 1 on every seed: not below 0.6.
    expect(ratio.stat!.values).toEqual([1, 1, 1, 1, 1]);
    expect(ratio.holds).toBe(false);
  });

  it('does not call an effect reproduced when its interval reaches the bound', () => {
    const seeds = [1, 2, 3, 4, 5];
    const runs = runsFor(seeds).map((r) => (r.arm === 'grpo' && r.seed <= 2 ? { ...r, rows: [...r.rows.slice(0, -1), evalRow(2, [0.0, 0.5, 0.9, 0.9], 1)] } : r));
    const s = summarise(SPEC, runs, seeds);
    // Seeds 1 and 2 now fall by 0.1 in pass@1: the interval reaches below no effect.
    expect(s.effects[0].stat!.values.map((v) => +v.toFixed(12))).toEqual([-0.1, -0.1, 0.3, 0.4, 0.5]);
    expect(s.effects[0].stat!.low).toBeLessThan(0);
    expect(s.effects[0].holds).toBe(false);
  });

  it('marks coverage null when the task does not enumerate solutions, and the schema accepts it', () => {
    const seeds = [1, 2];
    const runs = runsFor(seeds).map((r) => ({ ...r, rows: r.rows.map((x) => (x.kind === 'eval' ? { ...x, coverage: null } : x)) as MetricsRow[] }));
    const s = summarise(SPEC, runs, seeds);
    expect(s.arms.grpo.coverage).toBeNull();
    expect(s.intervalsMeaningful).toBe(false);
    expect(summaryProblems(JSON.parse(JSON.stringify(s)))).toEqual([]);
  });

  it('refuses a summary whose arms, statistics or seeds do not match the schema', () => {
    const seeds = [1, 2, 3];
    const good = JSON.parse(JSON.stringify(summarise(SPEC, runsFor(seeds), seeds)));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- edits reach into the parsed JSON freely
    const broken = (edit: (x: any) => void) => {
      const x = structuredClone(good);
      edit(x);
      return summaryProblems(x);
    };
    expect(broken((x) => delete x.arms.base)).toEqual(['"arms" should be an object with a "base" arm']);
    expect(broken((x) => (x.k = [1, 3]))).toEqual(['"k" should be [1, 2, 4, …]']);
    expect(broken((x) => x.arms.grpo['pass@1'].values.pop())[0]).toMatch(/one number per seed/);
    expect(broken((x) => (x.arms.grpo['pass@1'].iqm += 0.01))[0]).toMatch(/low ≤ iqm ≤ high|not the IQM/);
    expect(broken((x) => delete x.arms.grpo.entropy)[0]).toMatch(/"entropy" should be/);
    expect(broken((x) => (x.arms.grpo.well_formed = null))[0]).toMatch(/"well_formed" should be/);
    expect(summaryProblems([])).toEqual(['summary is not a JSON object']);
  });

  it('refuses to summarise when an arm lacks a seed', () => {
    expect(() => summarise(SPEC, runsFor([1]), [1, 2])).toThrow(/arm base has no run for seed 2/);
  });

  it('writes results.md with every arm, every effect and the few-seeds warning', () => {
    const seeds = [1, 2, 3];
    const s = summarise(SPEC, runsFor(seeds), seeds);
    const md = resultsMarkdown(SPEC, s, { command: 'npm run compare -- --experiment toy', adapter: 'test', minutes: 1, settings: 'Settings: none.' });
    expect(md).toContain('| grpo | 0.300 [');
    expect(md).toContain('| raises pass@1 | pass@1 | grpo − base > 0 |');
    expect(md).toContain('holds on these seeds (too few for an interval)');
    expect(md).toMatch(/fewer than 5\) a bootstrap interval over seeds is not meaningful/);
    expect(md).toContain('![pass@k against k](passk.svg)');
  });

  it('plots pass@k per arm with the base dashed, and distinct correct against pass@1 through training', () => {
    const seeds = [1, 2, 3];
    const runs = runsFor(seeds);
    const svg = passAtKArmsPlot(SPEC, summarise(SPEC, runs, seeds));
    expect(svg.match(/<g class="series"/g)).toHaveLength(2);
    const div = diversityPlot(SPEC, runs);
    expect(div).toContain('data-name="grpo (steps 0–2)"');
    // GRPO's curve passes through one point per evaluation: steps 0, 1 and 2.
    const grpo = div.slice(div.indexOf('data-name="grpo'));
    expect(grpo.slice(0, grpo.indexOf('</g>')).match(/<circle/g)).toHaveLength(3);
    expect(interquartileMean([0.2, 0.3, 0.4])).toBeCloseTo(0.3, 12);
  });
});

describe('shipped experiments', () => {
  it('each has a base arm, names only its own arms in its effects, and has valid settings for every arm', () => {
    expect(EXPERIMENTS.map((e) => e.name)).toEqual(['quick', 'sharpening', 'rover-diversity', 'polarity', 'd3s-tokens']);
    for (const e of EXPERIMENTS) {
      const names = e.arms.map((a) => a.name);
      expect(names[0]).toBe('base');
      for (const effect of e.effects) expect(names).toEqual(expect.arrayContaining([effect.arm, effect.than]));
      for (const arm of e.arms) if (arm.train) expect(runConfigIssues(armConfig(e, arm.train, 1))).toEqual([]);
      expect(e.defaultSeeds).toBeGreaterThanOrEqual(5);
      // A claim about pass@k_max needs k_max ≥ 32, so n ≥ 64 samples per prompt; the others report smaller k too.
      if (e.effects.some((f) => f.metric === 'pass@max')) expect(reportedKs(e.common.evalSamples).at(-1)).toBeGreaterThanOrEqual(32);
      expect(reportedKs(e.common.evalSamples).at(-1)).toBeGreaterThanOrEqual(16);
      expect(e.common.evalSamples).toBeLessThanOrEqual(defaultRunConfig().group * 32);
    }
  });

  it('reports seeds from 1 upward, away from the seeds the settings were tuned on', () => {
    for (const e of EXPERIMENTS) for (const t of TUNING_SEEDS) expect(t).toBeGreaterThan(e.defaultSeeds);
  });
});
