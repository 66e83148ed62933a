// Pause, Step and Stop wait for the step in flight, which can take a while on
// a slow adapter. Until the worker answers, the control that was pressed says
// what it is waiting for, and the run's controls do not take a second command.

import { useState } from 'react';

export type Pending = 'pause' | 'step' | 'stop';

export const PENDING_TEXT: Record<Pending, string> = { pause: 'pausing…', step: 'stepping…', stop: 'stopping…' };

export function usePending() {
  const [pending, setPending] = useState<Pending | null>(null);
  /** Runs `command` and marks `what` pending until its promise settles, whichever way. */
  const ask = (what: Pending, command: () => Promise<unknown> | undefined) => {
    setPending(what);
    void Promise.resolve(command())
      .catch(() => undefined)
      .finally(() => setPending((p) => (p === what ? null : p)));
  };
  return { pending, ask };
}
