import { runStyles } from './chart-data';
import { Gallery } from './Gallery';
import { useRunner } from './runner-context';
import { RunRow } from './RunRow';
import { useLab } from './store';

export function RunList() {
  const runs = useLab((s) => s.runs);
  const gpuReady = useLab((s) => s.gpu.status !== 'unavailable');
  const runner = useRunner();
  const styles = runStyles(runs);
  const startable = runs.filter((r) => r.status === 'ready' || r.status === 'paused');
  return (
    <section className="runs" aria-label="Runs">
      <div className="section-head">
        <h2>Runs</h2>
        {startable.length > 1 && (
          <button type="button" disabled={!runner || !gpuReady} onClick={() => startable.forEach((r) => void runner?.play(r.id))}>
            ▶ Play all ({startable.length})
          </button>
        )}
      </div>
      {runs.length === 0 ? (
        <>
          <p className="hint">No runs yet. Open a finished experiment below, launch a comparison or a single run from the left, open a shared link, or import a run file.</p>
          <Gallery />
        </>
      ) : (
        <ul className="run-list">
          {runs.map((r) => (
            <RunRow key={r.id} run={r} {...styles.get(r.id)!} />
          ))}
        </ul>
      )}
    </section>
  );
}
