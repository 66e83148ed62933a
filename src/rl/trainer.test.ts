import { describe, expect, it } from 'vitest';
import { testContext } from '../testing/gpu';
import { randomBase } from '../testing/base-model';
import { uniformTreeBase } from '../testing/tree-base';
import { type Checkpoint, decodeSafetensors, encodeSafetensors } from '../model/checkpoint';
import { defaultRunConfig, type RunConfig } from './config';
import { Trainer } from './trainer';
import type { MetricsRow, TrainRow } from './types';

const small = (over: Partial<RunConfig>): RunConfig => ({ ...defaultRunConfig(), task: 'arithmetic', prompts: 2, group: 4, minibatches: 2, steps: 3, evalEvery: 2, evalPrompts: 2, evalSamples: 4, lr: 3e-3, ...over });
const base = () => randomBase('arithmetic', { terms: 2, digits: 1 });
let treeBase: Checkpoint | null = null;
// Wall-clock fields differ between runs; everything else must not.
const stable = (rows: MetricsRow[]) => rows.map((r) => (r.kind === 'train' ? { ...r, stepMs: 0, tokensPerSec: 0 } : r));

async function run(config: RunConfig, steps: number, trainer?: Trainer): Promise<{ rows: MetricsRow[]; trainer: Trainer }> {
  const ctx = await testContext();
  const t = trainer ?? new Trainer(ctx, config, base());
  const rows: MetricsRow[] = [];
  for (let i = 0; i < steps; i++) rows.push(...(await t.step()));
  return { rows, trainer: t };
}

describe('Trainer', () => {
  it.each(['grpo', 'rover', 'd3s'] as const)('%s: logs base eval, train rows and evals on schedule, with finite metrics', async (algo) => {
    const { rows, trainer } = await run(small({ algo }), 3);
    expect(rows.map((r) => `${r.kind}@${r.step}`)).toEqual(['eval@0', 'train@1', 'train@2', 'eval@2', 'train@3', 'eval@3']);
    for (const r of rows) for (const [k, v] of Object.entries(r)) if (typeof v === 'number') expect(Number.isFinite(v), `${r.kind}.${k}`).toBe(true);
    const train = rows.filter((r) => r.kind === 'train');
    expect(train.every((r) => r.gradNorm >= 0 && r.entropy > 0)).toBe(true);
    // The share of well-formed completions is logged on every row, train and eval.
    for (const r of rows) expect(r.wellFormed !== null && r.wellFormed >= 0 && r.wellFormed <= 1, `${r.kind}@${r.step} wellFormed ${r.wellFormed}`).toBe(true);
    // D³S keeps half of each group on the first step and, with the default final 100 %, all of it on the last.
    if (algo === 'd3s') expect(train.map((r) => r.samplesKept)).toEqual([4, 6, 8]);
    else expect(train.every((r) => r.samplesKept === 8)).toBe(true);
    const g = trainer.rollouts()!;
    expect(g.completions).toHaveLength(4);
    for (const c of g.completions) expect(c.entropy).toHaveLength(c.tokens.length);
    if (algo === 'rover') expect(g.completions[0].q).not.toBeNull();
    trainer.dispose();
  });

  it('tree with decoding = answer: every completion is exactly h actions, so every one is well-formed', async () => {
    const ctx = await testContext();
    treeBase ??= await uniformTreeBase(ctx, { k: 3, h: 3, winners: 4, trees: 1, layout: 11 });
    const config = { ...defaultRunConfig(), task: 'tree' as const, algo: 'grpo' as const, prompts: 2, group: 8, minibatches: 2, steps: 2, evalEvery: 0, evalPrompts: 1, evalSamples: 16 };
    for (const decoding of ['full', 'answer'] as const) {
      const trainer = new Trainer(ctx, { ...config, decoding }, treeBase);
      const rows: MetricsRow[] = [];
      while (!trainer.done) rows.push(...(await trainer.step()));
      const train = rows.filter((r): r is TrainRow => r.kind === 'train');
      // Full decoding spends a token on EOS after the 3 actions; answer decoding stops at 3.
      if (decoding === 'full') expect(train.every((r) => r.completionLength > 3)).toBe(true);
      else {
        expect(train.every((r) => r.completionLength === 3)).toBe(true);
        for (const r of rows) expect(r.wellFormed, `${r.kind}@${r.step}`).toBe(1);
        for (const c of trainer.rollouts()!.completions) expect(c.tokens).toHaveLength(3);
      }
      trainer.dispose();
    }
  });

  it('is reproducible: same config and seed give identical metrics; another seed does not', async () => {
    const a = await run(small({ algo: 'grpo' }), 2);
    const b = await run(small({ algo: 'grpo' }), 2);
    const c = await run(small({ algo: 'grpo', seed: 2 }), 2);
    expect(stable(b.rows)).toEqual(stable(a.rows));
    expect(stable(c.rows)).not.toEqual(stable(a.rows));
    for (const r of [a, b, c]) r.trainer.dispose();
  });

  it.each(['grpo', 'rover', 'd3s'] as const)('%s: the parameters after 3 steps are bit-identical across two runs, and differ for another seed', async (algo) => {
    // The toy tree from a leaf-uniform base: rewards vary from the first step, so every step moves the parameters.
    const ctx = await testContext();
    treeBase ??= await uniformTreeBase(ctx, { k: 3, h: 3, winners: 4, trees: 1, layout: 11 });
    const params = async (seed: number) => {
      const trainer = new Trainer(ctx, { ...defaultRunConfig(), task: 'tree', algo, seed, prompts: 2, group: 8, minibatches: 2, steps: 3, evalEvery: 0, evalPrompts: 1, evalSamples: 4 }, treeBase!);
      while (!trainer.done) await trainer.step();
      const { params } = await trainer.checkpointMeta();
      trainer.dispose();
      return params;
    };
    const [a, b, c] = [await params(1), await params(1), await params(2)];
    const bytes = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
    expect(bytes(a).equals(bytes(treeBase!.params)), 'training moved the parameters').toBe(false);
    expect(bytes(b).equals(bytes(a)), 'same seed, same parameters').toBe(true);
    expect(bytes(c).equals(bytes(a)), 'another seed, other parameters').toBe(false);
  });

  it('resumes from a saved state exactly where it left off', async () => {
    const cfg = small({ algo: 'rover', steps: 3, evalEvery: 0 });
    const straight = await run(cfg, 3);
    const first = await run(cfg, 1);
    const state = await first.trainer.saveState();
    first.trainer.dispose();
    const ctx = await testContext();
    const resumed = new Trainer(ctx, cfg, base());
    resumed.loadState(state);
    const rest = await run(cfg, 2, resumed);
    expect(stable([...first.rows, ...rest.rows])).toEqual(stable(straight.rows));
    expect(() => new Trainer(ctx, { ...cfg, lr: 1e-2 }, base()).loadState(state)).toThrow(/different settings/);
    straight.trainer.dispose();
    resumed.dispose();
  });

  it('refuses a saved state that is incomplete, altered or corrupt, naming what is wrong, and keeps the trainer as it was', async () => {
    const cfg = small({ algo: 'grpo', evalEvery: 0 });
    const { trainer } = await run(cfg, 1);
    const good = decodeSafetensors(await trainer.saveState());
    const tensors = ['params', 'optimizer.exp_avg', 'optimizer.exp_avg_sq'].map((name) => ({ name, shape: good.tensors.get(name)!.shape, data: new Float32Array(good.tensors.get(name)!.bytes) }));
    const state = (edit: { drop?: string; shrink?: string; nan?: string; meta?: Record<string, string | undefined> }) => {
      const meta = { ...good.metadata, ...edit.meta };
      for (const [k, v] of Object.entries(meta)) if (v === undefined) delete meta[k];
      return encodeSafetensors(
        tensors.filter((t) => t.name !== edit.drop).map((t) => {
          if (t.name === edit.shrink) return { ...t, shape: [t.data.length - 1], data: t.data.subarray(1) };
          if (t.name === edit.nan) {
            const data = t.data.slice();
            data[5] = NaN;
            return { ...t, data };
          }
          return t;
        }),
        meta as Record<string, string>,
      );
    };
    const ctx = await testContext();
    const fresh = new Trainer(ctx, cfg, base());
    const before = await fresh.checkpointMeta();
    const cases: [Parameters<typeof state>[0], RegExp][] = [
      [{ drop: 'optimizer.exp_avg' }, /tensor "optimizer.exp_avg" is missing/],
      [{ shrink: 'params' }, /tensor "params" is F32 \[\d+\], expected F32 \[\d+\]/],
      [{ nan: 'optimizer.exp_avg_sq' }, /tensor "optimizer.exp_avg_sq" holds NaN at index 5/],
      [{ meta: { 'adam-step': undefined } }, /field "adam-step" is missing/],
      [{ meta: { 'tokens-used': 'lots' } }, /field "tokens-used" is "lots", not an integer/],
      [{ meta: { step: '' } }, /field "step" is "", not an integer/],
      [{ meta: { step: '999' } }, /step 999 is past the run's 3 steps/],
      [{ meta: { 'run-config': undefined } }, /no "run-config"/],
    ];
    for (const [edit, message] of cases) expect(() => fresh.loadState(state(edit)), JSON.stringify(edit)).toThrow(message);
    // Nothing was written: the trainer still holds the base and has taken no step.
    expect(fresh.stepIndex).toBe(0);
    expect((await fresh.checkpointMeta()).params).toEqual(before.params);
    fresh.loadState(state({}));
    expect(fresh.stepIndex).toBe(1);
    fresh.dispose();
    trainer.dispose();
  });

  it('skips π_ref between KL steps when the loss does not need it, and D³S trains on fewer rows than GRPO', async () => {
    const ctx = await testContext();
    treeBase ??= await uniformTreeBase(ctx, { k: 3, h: 3, winners: 4, trees: 1, layout: 11 });
    const rows = async (over: Partial<RunConfig>) => {
      const trainer = new Trainer(ctx, { ...defaultRunConfig(), task: 'tree', prompts: 2, group: 8, minibatches: 2, steps: 4, evalEvery: 0, evalPrompts: 1, evalSamples: 4, ...over }, treeBase!);
      const out: TrainRow[] = [];
      while (!trainer.done) for (const r of await trainer.step()) if (r.kind === 'train') out.push(r);
      trainer.dispose();
      return out;
    };
    const grpo = await rows({ algo: 'grpo', klEvery: 2 });
    expect(grpo.map((r) => r.kl === null)).toEqual([true, false, true, false]);
    expect((await rows({ algo: 'grpo', beta: 0.01, klEvery: 0 })).every((r) => r.kl !== null)).toBe(true);
    expect((await rows({ algo: 'rover', klEvery: 0 })).every((r) => r.kl === null && r.qAbsMean !== null && r.targetMean !== null)).toBe(true);
    const d3s = await rows({ algo: 'd3s', klEvery: 2 });
    // D³S keeps half of each group on its first step: its update runs on half the rows.
    expect(grpo[0].updateRows).toBe(16);
    expect(d3s[0].updateRows).toBe(8);
    expect(d3s[0].updateTokens!).toBeLessThan(grpo[0].updateTokens!);
    expect(d3s.at(-1)!.updateRows).toBe(16);
  });

  it('frees everything it allocated: many trainers created and disposed leave the buffer pool as it was', async () => {
    const ctx = await testContext();
    const run1 = async (algo: 'grpo' | 'rover' | 'd3s', evalSamples: number) => {
      const trainer = new Trainer(ctx, small({ algo, steps: 1, evalSamples, evalPrompts: 2 }), base());
      await trainer.step();
      trainer.dispose();
    };
    const live = ctx.stats().pool.live;
    for (const algo of ['grpo', 'rover', 'd3s'] as const) for (const n of [4, 16]) await run1(algo, n);
    expect(ctx.stats().pool.live).toBe(live);
  });

  it('refuses impossible settings and a base for another task', async () => {
    const ctx = await testContext();
    expect(() => new Trainer(ctx, small({ minibatches: 64 }), base())).toThrow(/minibatches/);
    expect(() => new Trainer(ctx, small({ task: 'countdown' }), base())).toThrow(/trained on "arithmetic"/);
  });
});
