import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../rl/config';
import type { TrainRow } from '../rl/types';
import { deflateToBase64Url, fromBase64Url, toBase64Url } from './compress';
import { MAX_RUN_QUERY_LENGTH, MAX_SHARED_TRAIN_ROWS, configHash, parseShareHash, payloadCheck, readRunQuery, resultsHash, settingsHash } from './share';
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
    expect(await parseShareHash('')).toEqual({ kind: 'none', runs: [], issues: [], unverified: false });
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
    const payload = JSON.parse(new TextDecoder().decode(await inflate(new URLSearchParams(hash.slice(1)).get('results')!)));
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
    const payload = JSON.parse(new TextDecoder().decode(await inflate(hash.slice('#results='.length).split('&')[0])));
    // Every column added since fracGroupsIdentical is nullable and comes after it.
    const at = payload.cols.indexOf('fracGroupsIdentical');
    expect(at).toBeGreaterThan(0);
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

/** The hash with one character of its payload replaced by another of the same alphabet. */
function flip(hash: string, at: number): string {
  const i = hash.indexOf('=') + 1 + at;
  const replacement = hash[i] === 'A' ? 'B' : 'A';
  return hash.slice(0, i) + replacement + hash.slice(i + 1);
}

describe('integrity checks', () => {
  it('CRC-32 of the UTF-8 bytes, the standard check value', () => {
    expect(payloadCheck('123456789')).toBe('cbf43926');
    expect(payloadCheck('')).toBe('00000000');
    expect(payloadCheck('D³S')).not.toBe(payloadCheck('D3S'));
  });

  it('a results link with any one payload character changed is refused, naming the check', async () => {
    const hash = await resultsHash([{ name: 'x', config: { ...defaultRunConfig(), algo: 'd3s' }, rows: syntheticRun(40, 20) }]);
    expect(hash).toMatch(/&check=[0-9a-f]{8}$/);
    const payloadLength = new URLSearchParams(hash.slice(1)).get('results')!.length;
    for (const at of [0, 5, Math.floor(payloadLength / 2), payloadLength - 1]) {
      const link = await parseShareHash(flip(hash, at));
      expect(link.kind).toBe('refused');
      expect(link.runs).toEqual([]);
      expect(link.issues[0]).toMatch(/results do not match the check .*altered or cut short.*Nothing was loaded/);
    }
    const cut = await parseShareHash(hash.replace(/(#results=.{20}).*(&check=)/, '$1$2'));
    expect(cut.kind).toBe('refused');
  });

  it('a share link with a changed setting is refused; an intact one is verified', async () => {
    const hash = configHash([{ ...defaultRunConfig(), seed: 42 }]);
    expect((await parseShareHash(hash)).unverified).toBe(false);
    const altered = await parseShareHash(hash.replace('seed%3D42', 'seed%3D43'));
    expect(altered.kind).toBe('refused');
    expect(altered.issues[0]).toMatch(/run settings do not match the check/);
  });

  it('a link from before checks opens, marked unverified', async () => {
    const hash = configHash([{ ...defaultRunConfig(), seed: 42 }]).replace(/&check=.*$/, '');
    const link = await parseShareHash(hash);
    expect(link.kind).toBe('config');
    expect(link.unverified).toBe(true);
    expect(link.runs[0].config.seed).toBe(42);
  });
});

describe('unreadable payloads', () => {
  it('a run query of junk is named, never read as the defaults', async () => {
    const junk = 'Zm9v'.repeat(50_000);
    const link = await parseShareHash('#run=' + junk);
    expect(link.runs).toEqual([]);
    expect(link.issues[0]).toMatch(/^Run 1: its settings are unreadable: 195\.3 KB long, .*at most 4096 characters/);
    const hello = await parseShareHash('#run=hello&run=' + encodeURIComponent('algo=rover'));
    expect(hello.runs.map((r) => r.config.algo)).toEqual(['rover']);
    expect(hello.issues).toEqual(['Run 1: its settings are unreadable: no setting this lab knows ("hello"); nothing was loaded from it']);
  });

  it('readRunQuery tells the empty (all-defaults) query from unreadable ones', () => {
    expect(readRunQuery('').ok).toBe(true);
    expect(readRunQuery('algo=rover&colour=blue').ok).toBe(true);
    expect(readRunQuery('x'.repeat(MAX_RUN_QUERY_LENGTH + 1))).toMatchObject({ ok: false, reason: expect.stringMatching(/4097 characters long/) });
    expect(readRunQuery(new URLSearchParams('q=%E0%A4%A').get('q')!)).toMatchObject({ ok: false, reason: expect.stringMatching(/broken percent-encoding/) });
    expect(readRunQuery('hello')).toMatchObject({ ok: false, reason: 'no setting this lab knows ("hello")' });
  });
});

describe('bare settings', () => {
  it('hand-typed settings are read by the schema with its messages', async () => {
    const link = await parseShareHash('#task=paths&algo=rover&rho=3&seed=2');
    expect(link.kind).toBe('settings');
    expect(link.issues).toEqual([]);
    expect(link.runs[0].config).toEqual({ ...defaultRunConfig(), task: 'paths', algo: 'rover', rho: 3, seed: 2 });
    const bad = await parseShareHash('#algo=ppo&group=1');
    expect(bad.kind).toBe('settings');
    expect(bad.issues).toEqual(['"algo" expected one of grpo, rover, d3s, got "ppo"; the default was kept', '"group" 1 is out of range [2, 64]; the default was kept']);
  });

  it('settingsHash writes only what differs from the defaults and reads back', async () => {
    expect(settingsHash(defaultRunConfig())).toBe('');
    const config = { ...defaultRunConfig(), task: 'tree' as const, lr: 3e-4 };
    expect(settingsHash(config)).toBe('#task=tree&lr=0.0003');
    expect((await parseShareHash(settingsHash(config))).runs[0].config).toEqual(config);
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
