import { describe, expect, it } from 'vitest';
import { PRESET_NAMES, parameterCount, parseConfig, presetConfig, presetOf, validateConfig } from './config';
import { buildLayout, initParams } from './params';

describe('model config', () => {
  it('sizes the presets as advertised', () => {
    const counts = Object.fromEntries(PRESET_NAMES.map((n) => [n, parameterCount(presetConfig(n, 20, 64))]));
    expect(counts.tiny).toBeGreaterThan(35_000);
    expect(counts.tiny).toBeLessThan(70_000);
    expect(counts.small).toBeGreaterThan(350_000);
    expect(counts.small).toBeLessThan(700_000);
    expect(counts.base).toBeGreaterThan(2_000_000);
    expect(counts.base).toBeLessThan(4_000_000);
  });

  it('counts the same parameters as the layout holds', () => {
    for (const tie of [true, false]) {
      const config = presetConfig('tiny', 13, 24, { tieEmbeddings: tie });
      const layout = buildLayout(config);
      expect(layout.entries.reduce((s, e) => s + e.size, 0)).toBe(parameterCount(config));
    }
  });

  it('tells which preset a config is, whatever its vocabulary and context, and none for a shape of its own', () => {
    for (const n of PRESET_NAMES) expect(presetOf(presetConfig(n, 17, 40))).toBe(n);
    expect(presetOf(presetConfig('tiny', 17, 40, { dModel: 16, nLayers: 1, nHeads: 2 }))).toBeNull();
    expect(presetOf({ ...presetConfig('small', 17, 40), nLayers: 5 })).toBeNull();
  });

  it('says clearly what is wrong', () => {
    const good = presetConfig('tiny', 20, 32);
    expect(() => validateConfig({ ...good, nHeads: 5 })).toThrow(/dModel \(32\) must be divisible by nHeads \(5\)/);
    expect(() => validateConfig({ ...good, nLayers: 0 })).toThrow(/nLayers must be a positive integer, got 0/);
    expect(() => validateConfig({ ...good, dModel: 3.5 })).toThrow(/dModel must be a positive integer/);
    expect(() => validateConfig({ ...good, vocabSize: 3 })).toThrow(/vocabSize must be at least 4/);
    expect(() => parseConfig({ vocabSize: 10 })).toThrow(/missing contextLength, dModel, nLayers, nHeads, tieEmbeddings/);
    expect(() => parseConfig('tiny')).toThrow(/must be an object/);
    expect(() => presetConfig('huge' as never, 20, 32)).toThrow(/Unknown model preset "huge"/);
    expect(parseConfig(JSON.parse(JSON.stringify(good)))).toEqual(good);
  });
});

describe('parameter layout', () => {
  const config = presetConfig('tiny', 11, 17, { tieEmbeddings: false });
  const layout = buildLayout(config);

  it('puts decayed tensors first and aligns every view to 256 bytes', () => {
    const firstPlain = layout.entries.findIndex((e) => !e.decay);
    expect(firstPlain).toBeGreaterThan(0);
    expect(layout.entries.slice(firstPlain).every((e) => !e.decay)).toBe(true);
    for (const e of layout.entries) expect((e.offset * 4) % 256, e.name).toBe(0);
    const lastDecayed = layout.entries[firstPlain - 1];
    expect(layout.decayCount).toBe(lastDecayed.offset + lastDecayed.size);
    expect(layout.decayCount).toBeLessThanOrEqual(layout.entries[firstPlain].offset);
    for (let i = 1; i < layout.entries.length; i++) expect(layout.entries[i].offset).toBeGreaterThanOrEqual(layout.entries[i - 1].offset + layout.entries[i - 1].size);
    expect(layout.byName.get('transformer.h.2.mlp.c_proj.weight')?.shape).toEqual([32, 128]);
    expect(layout.byName.get('lm_head.weight')?.shape).toEqual([11, 32]);
    expect(buildLayout({ ...config, tieEmbeddings: true }).byName.has('lm_head.weight')).toBe(false);
  });

  it('initialises GPT-2 style, seeded, with zero padding', () => {
    const a = initParams(layout, 7);
    expect(initParams(layout, 7)).toEqual(a);
    expect(initParams(layout, 8)).not.toEqual(a);
    const std = (name: string) => {
      const e = layout.byName.get(name)!;
      const v = a.subarray(e.offset, e.offset + e.size);
      return Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
    };
    expect(std('transformer.h.0.mlp.c_fc.weight')).toBeCloseTo(0.02, 2);
    expect(std('transformer.h.0.mlp.c_proj.weight')).toBeCloseTo(0.02 / Math.sqrt(8), 2);
    const ln = layout.byName.get('transformer.ln_f.weight')!;
    expect([...a.subarray(ln.offset, ln.offset + ln.size)].every((x) => x === 1)).toBe(true);
    const used = new Uint8Array(layout.totalSize);
    for (const e of layout.entries) used.fill(1, e.offset, e.offset + e.size);
    for (let i = 0; i < a.length; i++) if (!used[i]) expect(a[i]).toBe(0);
  });
});
