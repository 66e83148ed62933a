import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../rl/config';
import { diversityTable, METRICS, metricTable, passAtKTable } from './chart-data';
import { tickLabels } from '../metrics/axis';
import { ALGORITHM_COLORS } from './colors';
import { splitRows, thin } from './rows';
import type { LabRun } from './store';
import { syntheticRun } from './test-rows';

function run(id: string, algo: 'grpo' | 'rover' | 'd3s', steps: number, evalEvery: number, lift = 1): LabRun {
  const { train, evals } = splitRows(syntheticRun(steps, evalEvery, lift));
  return { id, name: id, config: { ...defaultRunConfig(), algo }, status: 'recorded', error: null, origin: 'link', createdAt: 0, speed: Infinity, savedStep: null, hasCheckpoint: false, hasBase: false, rollouts: null, train, evals };
}

const metric = (id: string) => METRICS.find((m) => m.id === id)!;

describe('distinct correct against pass@1', () => {
  it('follows each run through its evaluations in step order, its own points only', () => {
    const a = run('a', 'grpo', 10, 5), b = run('b', 'rover', 4, 2, 2);
    const t = diversityTable([a, b]);
    expect(t.series.map((s) => [s.key, s.color])).toEqual([['a', ALGORITHM_COLORS.grpo], ['b', ALGORITHM_COLORS.rover]]);
    // a's evaluations at steps 0, 5, 10, then b's at 0, 2, 4: one row each, x = held-out pass@1.
    expect(t.rows.map((r) => r.step)).toEqual([0, 5, 10, 0, 2, 4]);
    expect(t.rows.slice(0, 3).every((r) => r.a !== undefined && r.b === undefined)).toBe(true);
    expect(t.rows[1].pass1).toBeCloseTo(a.evals[1].passAtK[0].value, 12);
    expect(t.rows[1].a).toBe(a.evals[1].distinctCorrect);
    expect(t.y.domain[0]).toBe(0);
    expect(t.y.domain[1]).toBeGreaterThanOrEqual(Math.max(...[...a.evals, ...b.evals].map((e) => e.distinctCorrect)));
    expect(diversityTable([run('c', 'grpo', 0, 5)]).series).toHaveLength(1);
  });
});

describe('metric tables', () => {
  it('put every run under its own key, one object per step, runs of different lengths included', () => {
    const t = metricTable([run('a', 'grpo', 10, 5), run('b', 'rover', 4, 2, 2)], metric('reward'), 8);
    expect(t.series.map((s) => [s.name, s.color])).toEqual([
      ['a', ALGORITHM_COLORS.grpo],
      ['b', ALGORITHM_COLORS.rover],
    ]);
    expect(t.rows.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(t.rows[3]['a#0']).toBeCloseTo(0.1 + 0.004 * 4, 12);
    expect(t.rows[3]['b#0']).toBeCloseTo(0.1 + 0.008 * 4, 12);
    expect(t.rows[5]['b#0']).toBeUndefined();
  });

  it('draw two runs of one algorithm in one colour with different dashes, and Var(A) as two lines each', () => {
    const t = metricTable([run('a', 'd3s', 3, 3), run('b', 'd3s', 3, 3)], metric('varA'), 8);
    expect(t.series).toHaveLength(4);
    expect(new Set(t.series.map((s) => s.color))).toEqual(new Set([ALGORITHM_COLORS.d3s]));
    expect(t.series[0].dash).not.toEqual(t.series[2].dash);
    expect(t.series[1].name).toBe('a (after)');
  });

  it('read pass@k at the chosen k from the evaluations and skip runs without them', () => {
    const t = metricTable([run('a', 'grpo', 10, 5), run('b', 'grpo', 0, 5)], metric('passk'), 4);
    expect(t.rows.map((r) => r.step)).toEqual([0, 5, 10]);
    expect(t.rows[1]['a#0']).toBeCloseTo(1 - (1 - 0.115) ** 4, 12);
    expect(t.series.map((s) => s.key)).toEqual(['a#0', 'b#0']);
    expect(metricTable([run('a', 'grpo', 10, 5)], metric('passk'), 3).series).toEqual([]);
  });

  it('draw rates on [0, 1] and other metrics on a domain around their data, with distinct tick labels', () => {
    const reward = metricTable([run('a', 'grpo', 10, 5)], metric('reward'), 8);
    expect(reward.y.domain).toEqual([0, 1]);
    const flat = run('a', 'grpo', 10, 5);
    flat.train = flat.train.map((r, i) => ({ ...r, entropy: 3.0905 + i * 7e-5 }));
    const entropy = metricTable([flat], metric('entropy'), 8);
    expect(entropy.y.domain[0]).toBeGreaterThan(3);
    expect(entropy.y.domain[1]).toBeLessThan(3.2);
    const labels = tickLabels(entropy.y.ticks);
    expect(new Set(labels).size).toBe(labels.length);
    expect(metricTable([run('a', 'grpo', 10, 5)], metric('kl'), 8).y.domain[0]).toBe(0);
    expect(passAtKTable([run('a', 'grpo', 10, 5)]).y.domain).toEqual([0, 1]);
  });

  it('mark the step where a run collapsed on every training chart, not on evaluation charts', () => {
    const a = run('a', 'grpo', 10, 5);
    a.train = a.train.map((r) => (r.step >= 6 ? { ...r, fracGroupsIdentical: 1 } : r));
    const entropy = metricTable([a, run('b', 'rover', 10, 5)], metric('entropy'), 8);
    expect(entropy.markers).toEqual([{ x: 6, color: ALGORITHM_COLORS.grpo, label: 'a collapsed at step 6' }]);
    expect(metricTable([a], metric('passk'), 8).markers).toEqual([]);
  });

  it('thin long runs but keep the last step', () => {
    const rows = Array.from({ length: 1001 }, (_, i) => i);
    const kept = thin(rows, 400);
    expect(kept.length).toBeLessThanOrEqual(401);
    expect(kept.at(-1)).toBe(1000);
    expect(thin(rows.slice(0, 10), 400)).toHaveLength(10);
  });
});

describe('pass@k against k', () => {
  it('shows the base model once and every run at its latest evaluation', () => {
    const t = passAtKTable([run('a', 'grpo', 10, 5), run('b', 'rover', 20, 5, 2), run('c', 'd3s', 0, 5)]);
    expect(t.ks).toEqual([1, 2, 4, 8]);
    expect(t.series.map((s) => s.name)).toEqual(['base model', 'a @ step 10', 'b @ step 20']);
    expect(t.rows[0]['base#0']).toBeCloseTo(0.1, 12);
    expect(t.rows[0].b).toBeCloseTo(0.1 + 0.006 * 20, 12);
  });
});
