// Waiting on the GPU in Node without keeping a core busy.
//
// While any GPU promise (a buffer mapping, onSubmittedWorkDone) is pending,
// Dawn's Node binding asks for finished work again on every turn of the event
// loop, and each turn is scheduled at once, so a plain `await` spins one core
// at 100 % until the GPU is done. On a CPU adapter (SwiftShader) that core is
// one the adapter's own threads need: on two cores a training step ran about
// 1.6× slower for it (docs/benchmarks.md). The browser does not poll this way.
//
// waitSleeping lets the event loop turn as before but sleeps the thread for
// POLL_MS at each turn while something is pending, so Dawn looks for finished
// work about once per POLL_MS and the thread is otherwise idle. A wait ends at
// most about POLL_MS after the GPU finishes. Node only: browsers refuse
// Atomics.wait on the main thread.

/** The thread sleeps this long between two looks for finished GPU work. */
export const POLL_MS = 1;

const sleeper = new Int32Array(new SharedArrayBuffer(4));
let pending = 0;
let looping = false;
let sleeps = 0;

function turn(): void {
  if (pending === 0) {
    looping = false;
    return;
  }
  Atomics.wait(sleeper, 0, 0, POLL_MS);
  sleeps++;
  setImmediate(turn);
}

/** Resolves or rejects as `work` does; until then the thread sleeps POLL_MS per event-loop turn. Concurrent waits share one loop. */
export async function waitSleeping<T>(work: Promise<T>): Promise<T> {
  pending++;
  if (!looping) {
    looping = true;
    setImmediate(turn);
  }
  try {
    return await work;
  } finally {
    pending--;
  }
}

/** How many times the thread has slept so far, and whether the sleeping loop is running (for tests). */
export function sleepState(): { sleeps: number; looping: boolean } {
  return { sleeps, looping };
}
