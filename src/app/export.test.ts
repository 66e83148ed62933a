import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../rl/config';
import { fileSlug, metricsCsv, parseRunJson, runToJson } from './export';
import { syntheticEvalRow, syntheticRun, syntheticTrainRow } from './test-rows';

const rollouts = { step: 3, prompt: '3 5 7 → 15', completions: [{ text: '3+5+7', tokens: ['3', '+', '5', '+', '7', '⏎'], reward: 1, correct: true, advantage: 0.5, entropy: [1, 1, 1, 1, 1, 0], kept: [1, 1, 1, 1, 1, 1], deltaLogp: [0.1, 0, 0, 0, 0, -0.1], q: null }] };

describe('run files', () => {
  it('round-trip a run exactly', () => {
    const run = { name: 'rover, seed 4', config: { ...defaultRunConfig(), algo: 'rover' as const, seed: 4 }, rows: syntheticRun(30, 10), rollouts };
    const back = parseRunJson(runToJson(run));
    expect(back).toEqual({ ok: true, run, warnings: [] });
  });

  it('refuse what is not a run file, saying why', () => {
    const cases: [string, RegExp][] = [
      ['not json', /not JSON/],
      ['[1,2]', /expected a JSON object/],
      ['{"format":"other"}', /"format" should be "rlvr-lab\/run"/],
      ['{"format":"rlvr-lab/run","version":7}', /version 7 is not supported/],
      ['{"format":"rlvr-lab/run","version":1}', /no "config"/],
      ['{"format":"rlvr-lab/run","version":1,"config":{},"rows":{}}', /"rows" should be a list/],
      ['{"format":"rlvr-lab/run","version":1,"config":{},"rows":[{"kind":"train","step":1}]}', /row 1: "loss" should be a number/],
    ];
    for (const [text, message] of cases) {
      const r = parseRunJson(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors.join('\n')).toMatch(message);
    }
  });

  it('keep defaults for bad settings and drop bad rows, with warnings naming them', () => {
    const rows = [syntheticTrainRow(1), { ...syntheticTrainRow(2), kind: 'bogus' }, { ...syntheticEvalRow(2), passAtK: [{ k: 0, value: 1 }] }, { ...syntheticTrainRow(3), step: 2.5 }];
    const text = JSON.stringify({ format: 'rlvr-lab/run', version: 1, name: '', config: { algo: 'nope', lr: 0.01, extra: 1 }, rows, rollouts: { step: 'x' } });
    const r = parseRunJson(text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.run.config.algo).toBe('grpo');
    expect(r.run.config.lr).toBe(0.01);
    expect(r.run.rows).toHaveLength(1);
    expect(r.run.name).toBe('imported run');
    expect(r.run.rollouts).toBeNull();
    const all = r.warnings.join('\n');
    expect(all).toMatch(/config "algo": expected one of grpo, rover, d3s/);
    expect(all).toMatch(/row 2: "kind" should be "train" or "eval"/);
    expect(all).toMatch(/row 3: "passAtK"/);
    expect(all).toMatch(/row 4: "step" should be a whole number/);
    expect(all).toMatch(/"rollouts" is malformed/);
  });
});

describe('metrics CSV', () => {
  it('has one header and one line per row, train and eval columns side by side', () => {
    const rows = [syntheticTrainRow(2), syntheticEvalRow(0), syntheticTrainRow(1), syntheticEvalRow(2)];
    const lines = metricsCsv(rows).trimEnd().split('\n');
    const header = lines[0].split(',');
    expect(header.slice(0, 3)).toEqual(['kind', 'step', 'loss']);
    expect(header).toContain('pass@8');
    expect(header).toContain('distinct4');
    expect(lines).toHaveLength(5);
    const cells = lines.map((l) => l.split(','));
    expect(cells.slice(1).map((c) => `${c[0]}@${c[1]}`)).toEqual(['eval@0', 'train@1', 'train@2', 'eval@2']);
    for (const c of cells) expect(c).toHaveLength(header.length);
    const col = (name: string) => header.indexOf(name);
    expect(cells[2][col('clipHigh')]).toBe('');
    expect(Number(cells[2][col('tokensPerSec')])).toBe(12345.678);
    expect(cells[2][col('pass@1')]).toBe('');
    expect(cells[4][col('loss')]).toBe('');
    expect(Number(cells[1][col('pass@2')])).toBeCloseTo(1 - 0.9 ** 2, 12);
  });

  it('makes safe file names', () => {
    expect(fileSlug('GRPO vs ROVER, seed 1!')).toBe('grpo-vs-rover-seed-1');
    expect(fileSlug('***')).toBe('run');
  });
});
