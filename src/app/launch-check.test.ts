import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultRunConfig, runSchema } from '../rl/config';
import { EXPERIMENTS } from './experiments';
import { baseMismatch, blockedText, launchProblems, readBaseFile } from './launch-check';

const file = (name: string) => {
  const bytes = readFileSync(new URL(`../../public/checkpoints/${name}`, import.meta.url));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
};

describe('launch problems', () => {
  it('none for the defaults', () => {
    expect(launchProblems([defaultRunConfig()], {}, null)).toEqual([]);
  });

  it('a field whose text did not parse blocks the launch and is named by its label', () => {
    const problems = launchProblems([defaultRunConfig()], { group: '1 is out of range [2, 64]', lr: '10 is out of range [1e-7, 0.1]' }, null);
    expect(problems.map((p) => p.label)).toEqual([runSchema.group.label, runSchema.lr.label]);
    expect(blockedText(problems)).toBe('Fix Group size, Learning rate to launch.');
  });

  it('a comparison that derives an out-of-range value is blocked, naming the setting', () => {
    const seeds = EXPERIMENTS.find((e) => e.id === 'seeds')!;
    const draft = { ...defaultRunConfig(), seed: runSchema.seed.max };
    expect(launchProblems([draft], {}, null)).toEqual([]);
    const problems = launchProblems(seeds.configs(draft), {}, null);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ key: 'seed', label: 'Seed', message: expect.stringMatching(/out of range/) });
  });

  it('the shipped experiments launch their own settings, with the launcher’s seed, and nothing blocks them', () => {
    const shipped = EXPERIMENTS.filter((e) => e.shipped);
    expect(shipped.map((e) => e.shipped)).toEqual(['quick', 'sharpening', 'rover-diversity', 'polarity', 'd3s-tokens']);
    const draft = { ...defaultRunConfig(), task: 'countdown' as const, steps: 500, seed: 42 };
    for (const e of shipped) {
      const configs = e.configs(draft);
      expect(configs.length).toBeGreaterThan(0);
      expect(configs.every((c) => c.seed === 42 && c.task === 'trees' && c.decoding === 'answer' && c.steps < 500)).toBe(true);
      expect(launchProblems(configs, {}, null)).toEqual([]);
    }
  });

  it('settings that contradict each other are named once', () => {
    const draft = { ...defaultRunConfig(), prompts: 1, group: 2, minibatches: 4 };
    const three = EXPERIMENTS.find((e) => e.id === 'three-algorithms')!.configs(draft);
    expect(launchProblems(three, {}, null)).toEqual([{ key: 'minibatches', label: 'Minibatches', message: '4 minibatches but only 2 rollouts per step (prompts × group)' }]);
  });
});

describe('base checkpoints', () => {
  it('are read at once for their task, preset and hash', async () => {
    const base = await readBaseFile('countdown-small.safetensors', file('countdown-small.safetensors'));
    expect(base).toMatchObject({ task: 'countdown', preset: 'small' });
    expect(base.sha256).toMatch(/^[0-9a-f]{16}$/);
    const tiny = await readBaseFile('paths-tiny.safetensors', file('paths-tiny.safetensors'));
    expect(tiny).toMatchObject({ task: 'paths', preset: 'tiny' });
    expect(tiny.sha256).not.toBe(base.sha256);
  });

  it('a base of another task or preset is named, and blocks the launch', () => {
    const base = { name: 'paths-tiny.safetensors', task: 'paths', preset: 'tiny' as const };
    expect(baseMismatch(base, { task: 'paths', preset: 'tiny' })).toBeNull();
    expect(baseMismatch(base, { task: 'countdown', preset: 'tiny' })).toBe('paths-tiny.safetensors was trained on the paths task, but the run is set to countdown');
    expect(baseMismatch(base, { task: 'paths', preset: 'small' })).toBe('paths-tiny.safetensors is a tiny model, but the Model setting is small');
    expect(baseMismatch({ ...base, preset: null }, { task: 'paths', preset: 'small' })).toBeNull();
    const problems = launchProblems([defaultRunConfig()], {}, base);
    expect(problems).toEqual([{ key: 'base', label: 'Base checkpoint', message: expect.stringMatching(/trained on the paths task/) }]);
  });

  it('a file that is no checkpoint is refused with the reason', async () => {
    await expect(readBaseFile('notes.txt', new TextEncoder().encode('hello').buffer)).rejects.toThrow();
  });
});
