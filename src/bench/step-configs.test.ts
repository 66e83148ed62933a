import { describe, expect, it } from 'vitest';
import { replaceDocSection } from './doc-section';
import { BENCH_RUN_STEPS, DEFAULT_STEP_CONFIGS, benchRunConfig, parseStepConfig, parseStepConfigs } from './step-configs';

describe('bench:step configurations', () => {
  it('parse task:preset:PxG with an optional algorithm', () => {
    expect(parseStepConfig('countdown:tiny:8x8')).toEqual({ name: 'countdown:tiny:8x8', task: 'countdown', preset: 'tiny', prompts: 8, group: 8, algo: 'grpo', at: 0 });
    expect(parseStepConfig(' paths:small:4x16:d3s ')).toMatchObject({ name: 'paths:small:4x16:d3s', task: 'paths', preset: 'small', prompts: 4, group: 16, algo: 'd3s', at: 0 });
    expect(parseStepConfig('paths:small:8x8:d3s@0.5')).toMatchObject({ name: 'paths:small:8x8:d3s@0.5', algo: 'd3s', at: 0.5 });
    expect(parseStepConfig('tree:base:2x4:grpo').name).toBe('tree:base:2x4');
    expect(parseStepConfigs(DEFAULT_STEP_CONFIGS).map((c) => c.name)).toEqual(DEFAULT_STEP_CONFIGS.split(','));
  });

  it('name what is wrong with a bad configuration', () => {
    expect(() => parseStepConfig('countdown:tiny')).toThrow(/task:preset:PxG/);
    expect(() => parseStepConfig('sudoku:tiny:8x8')).toThrow(/unknown task "sudoku"/);
    expect(() => parseStepConfig('countdown:huge:8x8')).toThrow(/unknown preset "huge"/);
    expect(() => parseStepConfig('countdown:tiny:8by8')).toThrow(/"8by8" is not PxG/);
    expect(() => parseStepConfig('countdown:tiny:8x1')).toThrow(/group 1 is outside 2\.\.64/);
    expect(() => parseStepConfig('countdown:tiny:8x8:ppo')).toThrow(/unknown algorithm "ppo"/);
    expect(() => parseStepConfig('countdown:tiny:8x8:d3s@1.5')).toThrow(/fraction of the run/);
    expect(() => parseStepConfigs(' , ')).toThrow(/no configuration/);
  });

  it('make a lab-default run of the configuration without periodic evaluation', () => {
    const run = benchRunConfig(parseStepConfig('paths:small:4x16:rover'));
    expect(run).toMatchObject({ task: 'paths', preset: 'small', algo: 'rover', prompts: 4, group: 16, evalEvery: 0, steps: BENCH_RUN_STEPS, minibatches: 4 });
  });
});

describe('replaceDocSection', () => {
  it('replaces only its own section and appends it when missing', () => {
    const once = replaceDocSection('# Benchmarks\n\nintro\n', 'bench:step', 'table v1');
    expect(once).toBe('# Benchmarks\n\nintro\n\n<!-- begin bench:step (written by npm run bench:step) -->\ntable v1\n<!-- end bench:step -->\n');
    const both = replaceDocSection(once, 'bench:kernels', 'kernels');
    const twice = replaceDocSection(both, 'bench:step', 'table v2\n');
    expect(twice).toContain('table v2\n<!-- end bench:step -->');
    expect(twice).not.toContain('table v1');
    expect(twice).toContain('intro');
    expect(twice).toContain('kernels\n<!-- end bench:kernels -->');
  });

  it('refuses broken markers instead of overwriting the file', () => {
    const broken = '<!-- end bench:step -->\n<!-- begin bench:step (written by npm run bench:step) -->\n';
    expect(() => replaceDocSection(broken, 'bench:step', 'x')).toThrow(/markers of the "bench:step" section are broken/);
  });
});
