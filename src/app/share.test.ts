import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../rl/config';
import type { TrainRow } from '../rl/types';
import { deflateToBase64Url, fromBase64Url, toBase64Url } from './compress';
import { MAX_SHARED_TRAIN_ROWS, configHash, parseShareHash, resultsHash } from './share';
import { syntheticRun } from './test-rows';

describe('config links', () => {
  it('round-trips several runs with every kind of setting', async () => {
    const a = { ...defaultRunConfig(), algo: 'rover' as const, seed: 12345, lr: 3e-4, temperature: 0.7, roverReward: 'std' as const };
    const b = { ...defaultRunConfig(), algo: 'd3s' as const, seed: 12345, d3sTokensInit: 35.5 };
    const link = await parseShareHash(configHash([a, b, defaultRunConfig()]));
    expect(link.kind).toBe('config');
    expect(link.issues).toEqual([]);
    expect(link.runs.map((r) => r.config)).toEqual([a, b, defaultRunConfig()]);
  });

  it('keeps defaults for bad values, names the key, and ignores unknown keys', async () => {
    const link = await parseShareHash('#run=' + encodeURIComponent('algo=rover&lr=abc&seed=-4&colour=blue&steps=50'));
    expect(link.runs).toHaveLength(1);
    const c = link.runs[0].config;
    expect(c.algo).toBe('rover');
    expect(c.steps).toBe(50);
    expect(c.lr).toBe(defaultRunConfig().lr);
    expect(c.seed).toBe(defaultRunConfig().seed);
    expect(link.issues).toHaveLength(2);
    expect(link.issues[0]).toMatch(/Run 1: "lr" expected a number/);
    expect(link.issues[1]).toMatch(/Run 1: "seed" .*out of range/);
  });

  it('reports settings that do not make sense together', async () => {
    const link = await parseShareHash('#run=' + encodeURIComponent('prompts=1&group=2&minibatches=4'));
    expect(link.issues).toEqual(['Run 1: "minibatches" 4 minibatches but only 2 rollouts per step (prompts × group)']);
  });

  it('is empty for a hash without runs', async () => {
    expect(await parseShareHash('')).toEqual({ kind: 'none', runs: [], issues: [] });
    expect((await parseShareHash('#foo=bar')).kind).toBe('none');
  });
});

describe('results links', () => {
  it('carry configs and curves, rounded but with exact steps', async () => {
    const config = { ...defaultRunConfig(), algo: 'grpo' as const, steps: 300, seed: 9 };
    const rows = syntheticRun(300, 25);
    const hash = await resultsHash([{ name: 'grpo #1', config, rows }]);
    expect(hash.length).toBeLessThan(20_000);
    const link = await parseShareHash(hash);
    expect(link.issues).toEqual([]);
    expect(link.kind).toBe('results');
    const [run] = link.runs;
    expect(run.name).toBe('grpo #1');
    expect(run.config).toEqual(config);
    expect(run.rows).toHaveLength(rows.length);
    const train = run.rows.filter((r): r is TrainRow => r.kind === 'train');
    expect(train.map((r) => r.step)).toEqual(rows.filter((r) => r.kind === 'train').map((r) => r.step));
    const original = rows[1] as TrainRow;
    expect(train[0].loss).toBeCloseTo(original.loss, 5);
    expect(train[0].tokensPerSec).toBe(12346);
    expect(train[0].clipHigh).toBeNull();
  });

  it('thin long runs evenly, keeping every evaluation and the last step', async () => {
    const rows = syntheticRun(1000, 100);
    const link = await parseShareHash(await resultsHash([{ name: 'long', config: defaultRunConfig(), rows }]));
    const train = link.runs[0].rows.filter((r) => r.kind === 'train');
    expect(train.length).toBeLessThanOrEqual(MAX_SHARED_TRAIN_ROWS);
    expect(train.length).toBeGreaterThan(MAX_SHARED_TRAIN_ROWS / 2);
    expect(train.at(-1)!.step).toBe(1000);
    expect(link.runs[0].rows.filter((r) => r.kind === 'eval')).toHaveLength(11);
  });

  it('report a damaged payload instead of throwing', async () => {
    for (const bad of ['#results=!!!', '#results=AAAA', '#results=' + (await deflateToBase64Url('{"v":1'))]) {
      const link = await parseShareHash(bad);
      expect(link.runs).toEqual([]);
      expect(link.issues[0]).toMatch(/damaged/);
    }
    const wrong = await parseShareHash('#results=' + (await deflateToBase64Url('{"v":99,"runs":[]}')));
    expect(wrong.issues[0]).toMatch(/not in a format/);
  });

  it('keep the good rows and runs of a partly broken payload', async () => {
    const good = syntheticRun(3, 2);
    const hash = await resultsHash([{ name: 'x', config: defaultRunConfig(), rows: good }]);
    const payload = JSON.parse(new TextDecoder().decode(await inflate(hash.slice('#results='.length))));
    payload.runs[0].train[1][1] = 'oops';
    payload.runs.push({ name: 'no config' });
    const link = await parseShareHash('#results=' + (await deflateToBase64Url(JSON.stringify(payload))));
    expect(link.runs).toHaveLength(1);
    expect(link.runs[0].rows).toHaveLength(good.length - 1);
    expect(link.issues.join('\n')).toMatch(/Run 1: row 2: "loss" should be a number/);
    expect(link.issues.join('\n')).toMatch(/Run 2: has no configuration/);
  });

  it('read links made before a metric column was added (fracGroupsIdentical), and refuse other column changes', async () => {
    const hash = await resultsHash([{ name: 'x', config: defaultRunConfig(), rows: syntheticRun(3, 2) }]);
    const payload = JSON.parse(new TextDecoder().decode(await inflate(hash.slice('#results='.length))));
    const at = payload.cols.indexOf('fracGroupsIdentical');
    expect(at).toBe(payload.cols.length - 1);
    const old = { ...payload, cols: payload.cols.slice(0, at), runs: payload.runs.map((r: { train: unknown[][] }) => ({ ...r, train: r.train.map((cells) => cells.slice(0, at)) })) };
    const link = await parseShareHash('#results=' + (await deflateToBase64Url(JSON.stringify(old))));
    expect(link.issues).toEqual([]);
    const train = link.runs[0].rows.filter((r): r is TrainRow => r.kind === 'train');
    expect(train).toHaveLength(3);
    expect(train.every((r) => r.fracGroupsIdentical === null && r.loss !== null)).toBe(true);
    const swapped = { ...payload, cols: [payload.cols[1], payload.cols[0], ...payload.cols.slice(2)] };
    const refused = await parseShareHash('#results=' + (await deflateToBase64Url(JSON.stringify(swapped))));
    expect(refused.runs).toEqual([]);
    expect(refused.issues[0]).toMatch(/different metric columns/);
  });
});

describe('base64url', () => {
  it('round-trips every byte value and long inputs', () => {
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 7919) % 256);
    const text = toBase64Url(bytes);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(fromBase64Url(text)).toEqual(bytes);
    expect(() => fromBase64Url('a+b')).toThrow();
  });
});

async function inflate(text: string): Promise<Uint8Array> {
  const stream = new Blob([fromBase64Url(text) as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
