// The comparison report on hand-made runs whose IQMs and intervals are known.

import { describe, expect, it } from 'vitest';
import type { EvalRow, MetricsRow, TrainRow } from '../rl/types';
import { compareTable, passAtKPlot, type RunResult } from './compare-report';

function evalRow(step: number, pass: number[], distinct = 1, entropy = 1): EvalRow {
  return {
    kind: 'eval', step, prompts: 4, samples: 2 ** (pass.length - 1),
    passAtK: pass.map((value, i) => ({ k: 2 ** i, value })),
    distinctCorrect: distinct, coverage: null, distinctAnswers: 1, distinctN: [1, 1, 1, 1], entropy, wellFormed: 1,
  };
}

function trainRow(step: number, tokensUsed: number): TrainRow {
  return {
    kind: 'train', step, loss: 0, rewardMean: 0, rewardStd: 0, fracRewardZeroStd: 0, fracGroupsIdentical: 0, pass1: 0, wellFormed: 1, entropy: 1, kl: 0,
    clipLow: 0, clipHigh: 0, varABefore: null, varAAfter: null, samplesKept: 8, tokensKept: 10, tokensUsed,
    completionLength: 4, updateRows: 64, updateTokens: 640, qMean: null, qAbsMean: null, targetMean: null, vNextMean: null, gradNorm: 1, tokensPerSec: 1, stepMs: 1,
  };
}

/** One run: the base's evaluation at step 0, a train row, the final evaluation. */
function run(algo: string, seed: number, base: number[], final: number[], tokensUsed = 100): RunResult {
  const rows: MetricsRow[] = [evalRow(0, base), trainRow(1, tokensUsed), evalRow(1, final, 2 * final[0])];
  return { algo, seed, rows };
}

/** The numbers of one table row, in column order: each cell "est [low, high]" or "est". */
function rowCells(table: string, name: string): number[][] {
  const line = table.split('\n').find((l) => l.startsWith(`| ${name} |`))!;
  return line.split('|').slice(2, -1).map((c) => [...c.matchAll(/-?\d+(\.\d+)?/g)].map((m) => Number(m[0])));
}

describe('compareTable', () => {
  it('reports the interquartile mean (trim_mean 0.25) of the final pass@1 and pass@k_max across seeds', () => {
    // Five seeds: the IQM drops the lowest and highest and averages the middle three.
    const final1 = [0.1, 0.5, 0.3, 0.9, 0.4];
    const results = final1.map((p, i) => run('grpo', i + 1, [0.05, 0.2, 0.6], [p, Math.min(1, p + 0.1), 0.8 - i * 0.1]));
    const table = compareTable(results);
    const grpo = rowCells(table, 'grpo');
    expect(grpo[0][0]).toBeCloseTo((0.3 + 0.4 + 0.5) / 3, 3);
    // pass@4 is its own column: 0.8, 0.7, 0.6, 0.5, 0.4 → middle three 0.6.
    expect(grpo[1][0]).toBeCloseTo(0.6, 3);
    expect(table).toContain('pass@4');
    // Distinct correct follows the final row (2·pass@1 here), tokens used the last train row.
    expect(grpo[2][0]).toBeCloseTo((0.6 + 0.8 + 1.0) / 3, 2);
    expect(grpo[4][0]).toBe(100);
    // The base row is the step-0 evaluation.
    expect(rowCells(table, 'base')[0][0]).toBeCloseTo(0.05, 3);
    // Intervals lie within the values' range and around the estimate; five seeds carry no warning.
    const [est, low, high] = grpo[0];
    expect(low).toBeLessThanOrEqual(est);
    expect(high).toBeGreaterThanOrEqual(est);
    expect(low).toBeGreaterThanOrEqual(0.1);
    expect(high).toBeLessThanOrEqual(0.9);
    expect(high - low).toBeGreaterThan(0.05);
    expect(table).not.toContain('†');
  });

  it('gives a zero-width interval for identical seeds and says when fewer than 5 seeds back an interval', () => {
    const same = [1, 2, 3].map((s) => run('rover', s, [0.1, 0.2], [0.25, 0.5]));
    const table = compareTable(same);
    expect(rowCells(table, 'rover')[0]).toEqual([0.25, 0.25, 0.25]);
    expect(table).toMatch(/† From 3 seeds: below 5 seeds a bootstrap interval is not meaningful/);
  });

  it('keeps algorithms apart and a constant pass@k would not pass for the real one', () => {
    const results = [1, 2, 3, 4, 5].flatMap((s) => [run('grpo', s, [0.1, 0.5], [0.6, 0.7]), run('rover', s, [0.1, 0.5], [0.3, 0.9])]);
    const table = compareTable(results);
    expect(rowCells(table, 'grpo')[0][0]).toBeCloseTo(0.6, 3);
    expect(rowCells(table, 'rover')[0][0]).toBeCloseTo(0.3, 3);
    expect(rowCells(table, 'grpo')[1][0]).toBeCloseTo(0.7, 3);
    expect(rowCells(table, 'rover')[1][0]).toBeCloseTo(0.9, 3);
  });
});

describe('passAtKPlot', () => {
  it('draws one curve for the base and one per algorithm', () => {
    const results = [1, 2].flatMap((s) => [run('grpo', s, [0.1, 0.5], [0.6, 0.7]), run('d3s', s, [0.1, 0.5], [0.3, 0.9])]);
    const svg = passAtKPlot(results, 'test');
    for (const name of ['base', 'grpo', 'd3s']) expect(svg).toContain(name);
    expect(svg.startsWith('<svg')).toBe(true);
  });
});
