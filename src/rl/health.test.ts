import { describe, expect, it } from 'vitest';
import { syntheticTrainRow } from '../app/test-rows';
import { defaultRunConfig } from './config';
import { COLLAPSE_ENTROPY_FLOOR, collapseReason, firstCollapse, fracGroupsIdentical, nonFiniteDiagnosis } from './health';
import type { TrainRow } from './types';

const row = (patch: Partial<TrainRow>): TrainRow => ({ ...syntheticTrainRow(patch.step ?? 7), ...patch });

describe('fracGroupsIdentical', () => {
  it('counts the groups whose completions are all the same text', () => {
    expect(fracGroupsIdentical(['a', 'a', 'a', 'b', 'c', 'b'], 3)).toBeCloseTo(1 / 2, 12);
    expect(fracGroupsIdentical(['x', 'x', 'x', 'x'], 2)).toBe(1);
    expect(fracGroupsIdentical(['x', 'y', 'y', 'x'], 2)).toBe(0);
    // A group of the empty completion is identical too.
    expect(fracGroupsIdentical(['', '', '1', '2'], 2)).toBe(0.5);
    expect(fracGroupsIdentical(['q'], 1)).toBe(1);
  });

  it('refuses completions that do not split into whole groups', () => {
    expect(() => fracGroupsIdentical(['a', 'b', 'c'], 2)).toThrow(/3 completions .* groups of 2/);
    expect(() => fracGroupsIdentical([], 2)).toThrow();
  });
});

describe('collapse', () => {
  it('is flagged for entropy under the floor or all groups identical, not for a healthy step', () => {
    expect(collapseReason(row({ entropy: 1.2, fracGroupsIdentical: 0.5 }))).toBeNull();
    expect(collapseReason(row({ entropy: 1.2, fracGroupsIdentical: null }))).toBeNull();
    expect(collapseReason(row({ entropy: 3e-5, fracGroupsIdentical: 0.5 }))).toMatch(/entropy 3\.0e-5 nats is below 0\.01/);
    expect(collapseReason(row({ entropy: COLLAPSE_ENTROPY_FLOOR, fracGroupsIdentical: 1 }))).toBe('every group’s completions are identical');
  });

  it('names the first collapsed step of a run', () => {
    const rows = [row({ step: 1 }), row({ step: 2, entropy: 0.001 }), row({ step: 3, fracGroupsIdentical: 1 })];
    expect(firstCollapse(rows)).toEqual({ step: 2, reason: expect.stringMatching(/entropy/) });
    expect(firstCollapse(rows.slice(0, 1))).toBeNull();
  });
});

describe('nonFiniteDiagnosis', () => {
  const config = defaultRunConfig();

  it('is silent while everything is finite', () => {
    expect(nonFiniteDiagnosis(row({ loss: -3, gradNorm: 1e6 }), config)).toBeNull();
    // A step that skipped π_ref has no KL: not measured is not broken.
    expect(nonFiniteDiagnosis(row({ kl: null }), config)).toBeNull();
    expect(nonFiniteDiagnosis(row({ kl: null, loss: NaN }), config)).toMatch(/the loss is NaN/);
  });

  it('blames the learning rate when the gradient norm exploded with the clip on', () => {
    const m = nonFiniteDiagnosis(row({ step: 12, loss: NaN, gradNorm: Infinity }), { ...config, lr: 0.05 })!;
    expect(m).toMatch(/^Stopped at step 12: the loss is NaN, the gradient norm is Infinity\./);
    expect(m).toMatch(/wrote NaN or Inf into the parameters/);
    expect(m).toMatch(/Most likely cause: the gradient norm exploded: lower Learning rate \(0\.05\)\.$/);
  });

  it('blames the gradient clip when it is off', () => {
    const m = nonFiniteDiagnosis(row({ step: 30, gradNorm: NaN }), { ...config, maxGradNorm: 0 })!;
    expect(m).toMatch(/step 30: the gradient norm is NaN/);
    expect(m).toMatch(/Gradient clip \(0\) is off/);
  });

  it('blames β when the KL term blew up, even if the KL itself is still finite', () => {
    const m = nonFiniteDiagnosis(row({ step: 5, loss: Infinity, kl: 400 }), { ...config, beta: 2, maxGradNorm: 0 })!;
    expect(m).toMatch(/KL penalty blew up: lower KL β \(2\)/);
    expect(nonFiniteDiagnosis(row({ step: 5, kl: NaN }), { ...config, beta: 0.1 })).toMatch(/parameters were already non-finite.*KL β \(0\.1\)/);
    // With β = 0 the KL term is not in the loss, so it cannot be to blame.
    expect(nonFiniteDiagnosis(row({ step: 5, loss: NaN, kl: 400 }), { ...config, beta: 0 })).toMatch(/Learning rate/);
  });

  it('blames the base checkpoint when the very first forward pass is not finite', () => {
    const m = nonFiniteDiagnosis(row({ step: 1, loss: NaN, gradNorm: NaN, entropy: NaN, kl: NaN }), config)!;
    expect(m).toMatch(/^Stopped at step 1: the loss is NaN, the gradient norm is NaN, the token entropy is NaN, the KL to the base is NaN\./);
    expect(m).toMatch(/base checkpoint itself produces non-finite values/);
  });
});
