// Every task in the registry trains: a task added by following
// docs/architecture.md ("Adding a task") is picked up here with no other
// change, and must survive a real training step with every algorithm.
import { describe, expect, it } from 'vitest';
import { TASK_REGISTRY } from '../tasks/registry';
import { TASK_NAMES } from '../tasks/types';
import { randomBase } from '../testing/base-model';
import { testContext } from '../testing/gpu';
import { defaultRunConfig } from './config';
import { Trainer } from './trainer';

describe('every registered task', () => {
  it('is named in TASK_NAMES and registered, and nothing else is', () => {
    expect(Object.keys(TASK_REGISTRY).sort()).toEqual([...TASK_NAMES].sort());
  });

  it.each(TASK_NAMES)('%s: trains a step with GRPO, ROVER and D³S from a fresh base', async (task) => {
    const ctx = await testContext();
    const base = randomBase(task);
    for (const algo of ['grpo', 'rover', 'd3s'] as const) {
      const trainer = new Trainer(ctx, { ...defaultRunConfig(), task, algo, prompts: 2, group: 4, minibatches: 2, steps: 1, evalPrompts: 2, evalSamples: 2 }, base);
      const rows = await trainer.step();
      expect(rows.map((r) => r.kind)).toEqual(['eval', 'train', 'eval']);
      const train = rows[1];
      if (train.kind !== 'train') throw new Error('expected a train row');
      expect(train.completionLength).toBeGreaterThan(0);
      expect(Number.isFinite(train.loss)).toBe(true);
      expect(trainer.rollouts()!.prompt.length).toBeGreaterThan(0);
      trainer.dispose();
    }
  });
});
