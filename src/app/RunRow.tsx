import { useState } from 'react';
import { EXPORT_TARGETS, type ExportTarget } from '../export/mapping';
import { runCollapse } from './chart-data';
import { ALGORITHM_LABELS, algorithmOf } from './colors';
import { textColourOn } from './contrast';
import { downloadFile } from './download';
import { engineExportZip } from './engine-export';
import { fileSlug, metricsCsv, runToJson } from './export';
import { fetchDefaultBase } from './runner';
import { useRunner } from './runner-context';
import { type LabRun, runRows, useLab } from './store';
import { PENDING_TEXT, usePending } from './use-pending';

const SPEEDS: { label: string; value: number }[] = [
  { label: 'full speed', value: Infinity },
  { label: '10 steps/s', value: 10 },
  { label: '2 steps/s', value: 2 },
  { label: '1 step/s', value: 1 },
  { label: '1 step / 5 s', value: 0.2 },
];

const ENGINE_LABELS: Record<ExportTarget, string> = { trl: 'TRL', 'verl-rover': 'verl (ROVER fork)' };

const STATUS_TEXT: Record<LabRun['status'], string> = {
  ready: 'ready',
  starting: 'starting…',
  running: 'running',
  paused: 'paused',
  done: 'done',
  stopped: 'stopped',
  error: 'failed',
  recorded: 'recorded',
};

interface Props {
  run: LabRun;
  color: string;
  dash?: string;
}

/** One run: what it is, where it is, and everything one can do with it. */
export function RunRow({ run, color, dash }: Props) {
  const runner = useRunner();
  const loadDraft = useLab((s) => s.loadDraft);
  const inspect = useLab((s) => s.inspect);
  const gpuReady = useLab((s) => s.gpu.status !== 'unavailable');
  const step = Math.max(run.train.at(-1)?.step ?? 0, run.evals.at(-1)?.step ?? 0);
  const finished = run.status === 'done' || run.status === 'stopped' || run.status === 'recorded';
  const canPlay = !!runner && gpuReady && !finished && run.status !== 'running' && run.status !== 'starting';
  const canPause = !!runner && run.status === 'running';
  const slug = fileSlug(run.name);
  const [engine, setEngine] = useState<ExportTarget>('trl');

  const exportForEngine = async () => {
    const banner = useLab.getState().addBanner;
    try {
      const base = runner ? await runner.baseModel(run.id) : await fetchDefaultBase(run.config);
      const zip = engineExportZip(run, engine, base);
      downloadFile(zip.name, zip.bytes, 'application/zip');
      if (zip.unmatched.length > 0) {
        banner({ tone: 'info', title: `Exported “${run.name}” for ${ENGINE_LABELS[engine]}`, lines: [`No equivalent there, listed with what to do in the folder's README: ${zip.unmatched.join(', ')}.`] });
      }
    } catch (e) {
      banner({ tone: 'error', title: `Could not export “${run.name}” for ${ENGINE_LABELS[engine]}`, lines: [(e as Error)?.message ?? String(e)] });
    }
  };

  const { pending, ask } = usePending();
  const statusText = pending ? PENDING_TEXT[pending] : STATUS_TEXT[run.status];

  const collapse = runCollapse(run);

  const downloadCheckpoint = async () => {
    const data = await runner?.checkpoint(run.id).catch(() => null);
    if (data) downloadFile(`${slug}-step${step}.safetensors`, data, 'application/octet-stream');
    else useLab.getState().addBanner({ tone: 'info', title: `“${run.name}” has no checkpoint yet`, lines: ['A checkpoint is saved when a run finishes or is stopped.'] });
  };

  return (
    <li className={`run status-${run.status}`} aria-label={`Run ${run.name}`} data-config={JSON.stringify(run.config)}>
      <div className="run-head">
        <svg width="22" height="10" aria-hidden="true">
          <line x1="1" y1="5" x2="21" y2="5" stroke={color} strokeWidth="3" strokeDasharray={dash} />
        </svg>
        <button type="button" className="link run-name" onClick={() => inspect(run.id)} title="Show this run in the rollout inspector">
          {run.name}
        </button>
        <span className="algo-tag" style={{ background: color, color: textColourOn(color) }}>
          {ALGORITHM_LABELS[algorithmOf(run.config)]}
        </span>
        <span className="status" data-testid="run-status" aria-live="polite">
          {statusText}
        </span>
        <span className="progress-text">
          {step}/{run.config.steps}
        </span>
      </div>
      <progress max={run.config.steps} value={step} aria-label={`${run.name} progress`} />
      {run.error && <p className="run-error" role="alert">{run.error}</p>}
      {collapse && (
        <p className="run-collapse" role="status">
          ⚠ Collapsed at step {collapse.step}: {collapse.reason}. The policy has stopped exploring; training goes on.
        </p>
      )}
      <div className="controls">
        <button type="button" disabled={!canPlay} onClick={() => void runner?.play(run.id)} aria-label={`Play ${run.name}`}>
          ▶ Play
        </button>
        <button type="button" disabled={!canPause || !!pending} aria-busy={pending === 'pause'} onClick={() => ask('pause', () => runner?.pause(run.id))} aria-label={`Pause ${run.name}`}>
          {pending === 'pause' ? '❚❚ Pausing…' : '❚❚ Pause'}
        </button>
        <button type="button" disabled={!canPlay || !!pending} aria-busy={pending === 'step'} onClick={() => ask('step', () => runner?.stepOnce(run.id))} aria-label={`Step ${run.name}`}>
          {pending === 'step' ? '⏭ Stepping…' : '⏭ Step'}
        </button>
        <button type="button" disabled={!runner || finished || pending === 'stop'} aria-busy={pending === 'stop'} onClick={() => ask('stop', () => runner?.stop(run.id))} aria-label={`Stop ${run.name}`}>
          {pending === 'stop' ? '■ Stopping…' : '■ Stop'}
        </button>
        <select aria-label={`Speed of ${run.name}`} value={String(run.speed)} disabled={!runner || finished} onChange={(e) => void runner?.setSpeed(run.id, Number(e.target.value))}>
          {SPEEDS.map((s) => (
            <option key={s.label} value={String(s.value)}>
              {s.label}
            </option>
          ))}
        </select>
        <button type="button" disabled={!runner} onClick={() => void runner?.remove(run.id)} aria-label={`Remove ${run.name}`}>
          Remove
        </button>
      </div>
      <details className="run-more">
        <summary>More</summary>
        <div className="controls">
          <button type="button" onClick={() => loadDraft(run.config)}>
            Load settings into launcher
          </button>
          <button type="button" disabled={!runner || !gpuReady} onClick={() => void runner?.rerun(run.id)}>
            Re-run
          </button>
          <button type="button" onClick={() => downloadFile(`${slug}.json`, runToJson({ ...run, rows: runRows(run) }), 'application/json')}>
            Export JSON
          </button>
          <button type="button" onClick={() => downloadFile(`${slug}-metrics.csv`, metricsCsv(runRows(run)), 'text/csv')}>
            Metrics CSV
          </button>
          <button type="button" disabled={!run.hasCheckpoint && run.status !== 'paused' && run.status !== 'running'} onClick={() => void downloadCheckpoint()}>
            Checkpoint
          </button>
        </div>
        <div className="controls" title="A folder that trains this run on a real model: prompts, the verifier in Python, the mapped config, launch scripts (docs/scale-out.md)">
          <select aria-label={`Engine to export ${run.name} for`} value={engine} onChange={(e) => setEngine(e.target.value as ExportTarget)}>
            {EXPORT_TARGETS.map((t) => (
              <option key={t} value={t}>
                {ENGINE_LABELS[t]}
              </option>
            ))}
          </select>
          <button type="button" onClick={() => void exportForEngine()}>
            Export for TRL / verl
          </button>
        </div>
      </details>
    </li>
  );
}
