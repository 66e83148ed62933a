import { describe, expect, it } from 'vitest';
import { POLL_MS, sleepState, waitSleeping } from './node-wait';
import { createNodeContext } from './node';

const later = <T>(ms: number, value: T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms));

describe('waitSleeping', () => {
  it('resolves with the work, sleeping while it is pending and stopping once it settles', async () => {
    const before = sleepState().sleeps;
    expect(await waitSleeping(later(20, 'done'))).toBe('done');
    const during = sleepState().sleeps - before;
    // 20 ms of waiting at POLL_MS per turn: the loop slept several times, but no more than one turn per POLL_MS.
    expect(during).toBeGreaterThan(2);
    expect(during).toBeLessThanOrEqual(Math.ceil(40 / POLL_MS));
    await later(10, null);
    expect(sleepState().looping).toBe(false);
    expect(sleepState().sleeps - before).toBe(during);
  });

  it('passes a rejection through, and concurrent waits share one loop', async () => {
    const failing = waitSleeping(later(5, null).then(() => { throw new Error('lost'); }));
    const ok = waitSleeping(later(10, 7));
    await expect(failing).rejects.toThrow('lost');
    expect(sleepState().looping).toBe(true);
    expect(await ok).toBe(7);
    await later(5, null);
    expect(sleepState().looping).toBe(false);
  });

  it('is how a Node context waits for a readback', async () => {
    const ctx = await createNodeContext({ label: 'node-wait test' });
    const t = ctx.tensor([4], 'f32', new Float32Array([1, 2, 3, 4]));
    const read = ctx.read(t);
    expect(sleepState().looping).toBe(true);
    expect(Array.from(await read)).toEqual([1, 2, 3, 4]);
    t.dispose();
    ctx.destroy();
  });
});
