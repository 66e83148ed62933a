// One line per lesson run: name, status, progress and the play / pause / step
// buttons, so a student can slow any run down.

import { ALGORITHM_COLORS, algorithmOf } from '../colors';
import type { LabRun } from '../store';
import type { LessonRuns } from './use-lesson-runs';

const lastStep = (run: LabRun) => run.train.at(-1)?.step ?? 0;

export function RunStrip({ runs, control }: { runs: LabRun[]; control: LessonRuns }) {
  if (runs.length === 0) return null;
  return (
    <ul className="lesson-runs" aria-label="Lesson runs">
      {runs.map((r) => {
        const busy = r.status === 'starting';
        const running = r.status === 'running';
        const finished = r.status === 'done' || r.status === 'stopped' || r.status === 'error';
        return (
          <li key={r.id} aria-label={`Run ${r.name}`}>
            <span className="swatch" style={{ background: ALGORITHM_COLORS[algorithmOf(r.config)] }} />
            <span className="lesson-run-name">{r.name}</span>
            <span data-testid="lesson-run-status">{r.status}</span>
            <span className="lesson-run-step" data-testid="lesson-run-step">
              step {lastStep(r)} / {r.config.steps}
            </span>
            {running ? (
              <button type="button" onClick={() => void control.pause(r.id)}>
                Pause
              </button>
            ) : (
              <button type="button" disabled={busy || finished} onClick={() => void control.play(r.id)}>
                Play
              </button>
            )}
            <button type="button" disabled={busy || running || finished} onClick={() => void control.stepOnce(r.id)}>
              Step
            </button>
            {r.error && <span className="run-error">{r.error}</span>}
          </li>
        );
      })}
    </ul>
  );
}
