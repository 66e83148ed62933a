import { describe, expect, it } from 'vitest';
import { defaultRunConfig, runConfigIssues, runSchema } from '../rl/config';
import { coerce, defaults, fromQuery, parseFlags, toQuery } from './schema';

describe('settings schema', () => {
  it('round-trips every non-default value through a query string', () => {
    const c = { ...defaultRunConfig(), algo: 'rover' as const, lr: 3e-4, seed: 42, prompts: 16 };
    const q = toQuery(runSchema, c);
    expect(q).toContain('algo=rover');
    expect(q).not.toContain('task=');
    const back = fromQuery(runSchema, `#${q}`);
    expect(back.errors).toEqual([]);
    expect(back.values).toEqual(c);
  });

  it('reports bad values by key, keeps defaults and ignores unknown keys', () => {
    const r = fromQuery(runSchema, 'lr=banana&group=1&algo=ppo&bogus=3&seed=7');
    expect(r.errors.map((e) => e.key).sort()).toEqual(['algo', 'group', 'lr']);
    expect(r.errors.find((e) => e.key === 'group')!.message).toMatch(/out of range \[2, 64\]/);
    expect(r.unknown).toEqual(['bogus']);
    expect(r.values.lr).toBe(runSchema.lr.default);
    expect(r.values.seed).toBe(7);
  });

  it('parses CLI flags strictly, with suggestions', () => {
    const ok = parseFlags(runSchema, ['--algo', 'd3s', '--steps=5', '--lr', '0.01', '--out', 'runs/x'], ['out']);
    expect(ok.errors).toEqual([]);
    expect(ok.values.algo).toBe('d3s');
    expect(ok.values.steps).toBe(5);
    expect(ok.extra.out).toBe('runs/x');
    const bad = parseFlags(runSchema, ['--step', '5', '--group', '0', '--seed', '1.5']);
    expect(bad.errors).toEqual([
      'unknown option --step (did you mean --steps?)',
      '--group: 0 is out of range [2, 64]',
      '--seed: expected a whole number, got "1.5"',
    ]);
  });

  it('coerces booleans and refuses garbage', () => {
    const f = { kind: 'bool', default: false, label: '', help: '' } as const;
    expect(coerce(f, 'true')).toEqual({ ok: true, value: true });
    expect(coerce(f, '0')).toEqual({ ok: true, value: false });
    expect(coerce(f, 'maybe').ok).toBe(false);
  });

  it('finds impossible combinations', () => {
    expect(runConfigIssues(defaults(runSchema))).toEqual([]);
    const c = { ...defaultRunConfig(), algo: 'd3s' as const, group: 4, prompts: 1, minibatches: 16, epsLow: 1 };
    expect(runConfigIssues(c).map((i) => i.key)).toEqual(['minibatches', 'epsLow']);
  });
});
