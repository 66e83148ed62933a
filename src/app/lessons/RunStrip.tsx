// One line per lesson run: name, status, progress and the play / pause / step
// buttons, so a student can slow any run down.

import { ALGORITHM_COLORS, algorithmOf } from '../colors';
import type { LabRun } from '../store';
import { PENDING_TEXT, usePending } from '../use-pending';
import type { LessonRuns } from './use-lesson-runs';

const lastStep = (run: LabRun) => run.train.at(-1)?.step ?? 0;

function StripRow({ run: r, control }: { run: LabRun; control: LessonRuns }) {
  const { pending, ask } = usePending();
  const busy = r.status === 'starting' || pending !== null;
  const running = r.status === 'running';
  const finished = r.status === 'done' || r.status === 'stopped' || r.status === 'error';
  return (
    <li aria-label={`Run ${r.name}`}>
      <span className="swatch" style={{ background: ALGORITHM_COLORS[algorithmOf(r.config)] }} />
      <span className="lesson-run-name">{r.name}</span>
      <span data-testid="lesson-run-status" aria-live="polite">
        {pending ? PENDING_TEXT[pending] : r.status}
      </span>
      <span className="lesson-run-step" data-testid="lesson-run-step">
        step {lastStep(r)} / {r.config.steps}
      </span>
      {running || pending === 'pause' ? (
        <button type="button" disabled={pending !== null} aria-busy={pending === 'pause'} onClick={() => ask('pause', () => control.pause(r.id))}>
          {pending === 'pause' ? 'Pausing…' : 'Pause'}
        </button>
      ) : (
        <button type="button" disabled={busy || finished} onClick={() => void control.play(r.id)}>
          Play
        </button>
      )}
      <button type="button" disabled={busy || running || finished} aria-busy={pending === 'step'} onClick={() => ask('step', () => control.stepOnce(r.id))}>
        {pending === 'step' ? 'Stepping…' : 'Step'}
      </button>
      {r.error && <span className="run-error">{r.error}</span>}
    </li>
  );
}

export function RunStrip({ runs, control }: { runs: LabRun[]; control: LessonRuns }) {
  if (runs.length === 0) return null;
  return (
    <ul className="lesson-runs" aria-label="Lesson runs">
      {runs.map((r) => (
        <StripRow key={r.id} run={r} control={control} />
      ))}
    </ul>
  );
}
