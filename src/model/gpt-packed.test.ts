// GptModel over packed rows (src/rl/packing.ts) against the dense rows they
// were packed from: the same per-position statistics bit for bit, and the
// same gradients within float rounding when the loss lives on real positions.

import { describe, expect, it } from 'vitest';
import { type PackingRow, planPacking } from '../rl/packing';
import { packedForward } from '../rl/update';
import { expectClose, randn, testContext } from '../testing/gpu';
import { Rng } from '../util/rng';
import { presetConfig } from './config';
import { GptModel } from './gpt';
import { buildLayout, initParams } from './params';

const config = presetConfig('tiny', 13, 24);
const layout = buildLayout(config);
const noise = randn(layout.totalSize, 4, 0.08);
const params = initParams(layout, 2).map((x, i) => x + noise[i]);
const T = 11;
// Three groups: 3 rows with a 5-token prompt, 1 row with a 1-token prompt, 2 rows with a 7-token prompt.
const ROWS: PackingRow[] = [
  { group: 0, promptLength: 5, length: 11 }, { group: 0, promptLength: 5, length: 7 }, { group: 0, promptLength: 5, length: 9 },
  { group: 1, promptLength: 1, length: 6 },
  { group: 2, promptLength: 7, length: 10 }, { group: 2, promptLength: 7, length: 8 },
];
const n = ROWS.length;

/** Dense tokens [n, T]: each group's rows share their prompt; targets are the next token. */
function denseTokens(): { tokens: Uint32Array; targets: Uint32Array } {
  const rng = new Rng(9);
  const tokens = Uint32Array.from({ length: n * T }, () => rng.int(config.vocabSize));
  ROWS.forEach((row, li) => {
    const first = ROWS.findIndex((r) => r.group === row.group);
    tokens.copyWithin(li * T, first * T, first * T + row.promptLength);
  });
  const targets = Uint32Array.from(tokens, (_, i) => ((i + 1) % T === 0 ? 0 : tokens[i + 1]));
  return { tokens, targets };
}

describe('GptModel over packed rows', () => {
  it('gives the dense forward’s statistics bit for bit, and its gradients', async () => {
    const ctx = await testContext();
    const model = new GptModel(ctx, config, { maxBatch: n, maxTime: T, params });
    const { tokens, targets } = denseTokens();
    const p = planPacking(ROWS, T);
    // A loss on completion positions only, as the update's; none on prompts or past a row's end.
    const dlogp = new Float32Array(n * T);
    const w = randn(n * T, 3);
    ROWS.forEach((row, li) => {
      for (let pos = row.promptLength - 1; pos < row.length; pos++) dlogp[li * T + pos] = w[li * T + pos];
    });

    const dense = model.forward(tokens, n, T, { temperature: 0.7, targets });
    const [dLogp, dEntropy, dVmean] = await ctx.readMany([dense.logp, dense.entropy, dense.vmean]);
    model.zeroGrad();
    model.backward({ dlogp });
    const denseGrads = await model.readGrads();

    const pick = <A extends Uint32Array | Float32Array>(from: A, into: A): A => {
      p.src.forEach((e, i) => (into[i] = from[e]));
      return into;
    };
    const pTokens = ctx.tensor([p.N], 'u32', pick(tokens, new Uint32Array(p.N)));
    const pTargets = ctx.tensor([p.N], 'u32', pick(targets, new Uint32Array(p.N)));
    const packed = { N: p.N, Tk: p.Tk, positions: ctx.tensor([p.N], 'u32', p.positions), segments: ctx.tensor([p.N * 4], 'u32', p.segments) };
    const out = model.forwardPacked(pTokens, packed, { temperature: 0.7, targets: pTargets });
    const [pLogp, pEntropy, pVmean] = await ctx.readMany([out.logp, out.entropy, out.vmean]);
    ROWS.forEach((row, li) => {
      for (let pos = 0; pos < row.length; pos++) {
        const at = p.unpack[li * T + pos], e = li * T + pos;
        expect([pLogp[at], pEntropy[at], pVmean[at]], `row ${li} position ${pos}`).toEqual([dLogp[e], dEntropy[e], dVmean[e]]);
      }
    });
    model.zeroGrad();
    model.backward({ dlogp: pick(dlogp, new Float32Array(p.N)) });
    const packedGrads = await model.readGrads();
    for (const e of layout.entries) {
      const want = denseGrads.subarray(e.offset, e.offset + e.size);
      const scale = want.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      expect(scale, `${e.name} carries gradient`).toBeGreaterThan(0);
      expectClose(packedGrads.subarray(e.offset, e.offset + e.size), want, { atol: 1e-5 * scale, rtol: 1e-4, what: e.name });
    }
    for (const t of [pTokens, pTargets, packed.positions, packed.segments]) t.dispose();
    model.dispose();
  });

  it('packedForward (π_ref’s, π_old’s and the inspector’s forward) gives the dense statistics at every position of every row', async () => {
    const ctx = await testContext();
    const model = new GptModel(ctx, config, { maxBatch: n, maxTime: T, params });
    const { tokens, targets } = denseTokens();
    const tTokens = ctx.tensor([n * T], 'u32', tokens), tTargets = ctx.tensor([n * T], 'u32', targets);
    const d = model.forward(tTokens, n, T, { temperature: 1.3, targets: tTargets });
    const dense = await ctx.readMany([d.logp, d.vmean, d.entropy]);
    const into = { logp: ctx.tensor([n * T]), vmean: ctx.tensor([n * T]), entropy: ctx.tensor([n * T]) };
    packedForward(ctx, model, ROWS, T, tTokens, tTargets, 1.3, into);
    const packed = await ctx.readMany([into.logp, into.vmean, into.entropy]);
    packed.forEach((stat, k) => ROWS.forEach((row, li) => expect(stat.subarray(li * T, li * T + row.length), `statistic ${k}, row ${li}`).toEqual(dense[k].subarray(li * T, li * T + row.length))));
    for (const t of [tTokens, tTargets, ...Object.values(into)]) t.dispose();
    model.dispose();
  });

  it('refuses packed rows that do not fit its buffers', async () => {
    const ctx = await testContext();
    const model = new GptModel(ctx, config, { maxBatch: 1, maxTime: 4, params });
    const t = ctx.tensor([8], 'u32');
    const packed = { N: 8, Tk: 8, positions: t, segments: ctx.tensor([32], 'u32') };
    expect(() => model.forwardPacked(t, packed, { targets: t })).toThrow(/do not fit 1 × 4/);
    for (const x of [t, packed.segments]) x.dispose();
    model.dispose();
  });
});
