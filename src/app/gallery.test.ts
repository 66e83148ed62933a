// Gallery entries are ordinary results links: they read back with their runs.

import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../rl/config';
import { galleryEntry, readGallery } from './gallery';
import { parseShareHash } from './share';
import { syntheticRun } from './test-rows';

describe('gallery', () => {
  it('an entry is a checked results link holding one run per arm, named by experiment, arm and seed', async () => {
    const runs = [
      { arm: 'grpo', config: { ...defaultRunConfig(), task: 'trees' as const, seed: 3 }, rows: syntheticRun(10, 5) },
      { arm: 'rover', config: { ...defaultRunConfig(), task: 'trees' as const, algo: 'rover' as const, seed: 3 }, rows: syntheticRun(10, 5, 2) },
    ];
    const e = await galleryEntry('toy', 'a toy', [3, 4], [{ claim: 'x', holds: true }], runs);
    expect(e.hash).toMatch(/^#results=.+&check=[0-9a-f]{8}$/);
    const parsed = await parseShareHash(e.hash);
    expect(parsed.kind).toBe('results');
    expect(parsed.unverified).toBe(false);
    expect(parsed.runs.map((r) => [r.name, r.config.algo, r.config.seed, r.rows.length])).toEqual([
      ['toy: grpo (seed 3)', 'grpo', 3, runs[0].rows.length],
      ['toy: rover (seed 3)', 'rover', 3, runs[1].rows.length],
    ]);
  });

  it('reads only well-formed entries, and nothing from a malformed file', () => {
    const good = { experiment: 'a', title: 't', seeds: [1], claims: [], hash: '#results=x&check=00000000' };
    expect(readGallery({ entries: [good, { ...good, hash: 'javascript:alert(1)' }, { ...good, title: 3 }, null] })).toEqual([good]);
    expect(readGallery(null)).toEqual([]);
    expect(readGallery({ entries: 'no' })).toEqual([]);
    expect(readGallery([])).toEqual([]);
  });
});
