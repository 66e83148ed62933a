import { describe, expect, it } from 'vitest';
import { GpuDeviceLostError } from './errors';

describe('GpuDeviceLostError', () => {
  it('ends the browser’s detail with one full stop, whether or not it had its own', () => {
    expect(new GpuDeviceLostError('destroyed', 'Device was destroyed.').message).toBe('The GPU device was lost (destroyed): Device was destroyed. Finished work is kept; restart the run to continue.');
    expect(new GpuDeviceLostError('unknown', 'driver reset').message).toBe('The GPU device was lost (unknown): driver reset. Finished work is kept; restart the run to continue.');
    expect(new GpuDeviceLostError('unknown', '').message).toBe('The GPU device was lost (unknown). Finished work is kept; restart the run to continue.');
  });
});
