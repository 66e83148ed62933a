import { describe, expect, it } from 'vitest';
import { defaultRunConfig, type RunConfig } from '../rl/config';
import { type PhaseRecorder, STEP_PHASES, type StepPhase } from '../rl/phases';
import { Trainer } from '../rl/trainer';
import type { MetricsRow } from '../rl/types';
import { randomBase } from '../testing/base-model';
import { testContext } from '../testing/gpu';
import { PhaseTimer, countsOf, countsSince } from './phase-timer';

const config: RunConfig = { ...defaultRunConfig(), task: 'arithmetic', prompts: 2, group: 4, minibatches: 2, steps: 3, evalEvery: 0, evalPrompts: 2, evalSamples: 4 };
const base = () => randomBase('arithmetic', { terms: 2, digits: 1 });
const stable = (rows: MetricsRow[]) => rows.map((r) => (r.kind === 'train' ? { ...r, stepMs: 0, tokensPerSec: 0 } : r));

describe('the trainer phase hook', () => {
  it('announces the six phases in order, once each, and ends the step', async () => {
    const ctx = await testContext();
    const seen: (StepPhase | null)[] = [];
    const recorder: PhaseRecorder = { enter: async (p) => void seen.push(p) };
    const trainer = new Trainer(ctx, config, base(), { phases: recorder });
    await trainer.step();
    expect(seen).toEqual([...STEP_PHASES, null]);
    trainer.dispose();
  });

  it('changes nothing the step computes, and the phase timer accounts for every dispatch and readback', async () => {
    const ctx = await testContext();
    const plain = new Trainer(ctx, config, base());
    const options: { phases?: PhaseTimer } = {};
    const timed = new Trainer(ctx, config, base(), options);
    const rowsPlain = [...(await plain.step()), ...(await plain.step())];
    const rowsTimed = [...(await timed.step())];
    const timer = new PhaseTimer(ctx);
    options.phases = timer;
    const before = countsOf(ctx);
    rowsTimed.push(...(await timed.step()));
    const total = countsSince(before, countsOf(ctx));
    expect(stable(rowsTimed)).toEqual(stable(rowsPlain));
    expect(Object.keys(timer.phases)).toEqual([...STEP_PHASES]);
    const sum = (k: 'dispatches' | 'readbacks') => STEP_PHASES.reduce((s, p) => s + (timer.phases[p]![k] ?? 0), 0);
    expect(sum('dispatches')).toBe(total.dispatches);
    expect(sum('readbacks')).toBe(total.readbacks);
    expect(timer.phases.sampling!.readbacks).toBeGreaterThan(0);
    expect(timer.phases.update!.dispatches).toBeGreaterThan(0);
    for (const p of STEP_PHASES) expect(timer.phases[p]!.ms).toBeGreaterThanOrEqual(0);
    plain.dispose();
    timed.dispose();
  });
});
