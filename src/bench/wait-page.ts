// The page of npm run bench:wait: the busy job (busy-job.ts) in a browser.

import { busyJob } from './busy-job';

declare global {
  interface Window {
    waitReady?: boolean;
    waitError?: string;
    runBusyJob?: (reps: number) => Promise<number>;
  }
}

try {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter');
  const device = await adapter.requestDevice();
  window.runBusyJob = (reps) => busyJob(device, reps);
  window.waitReady = true;
} catch (e) {
  window.waitError = (e as Error).message;
}
