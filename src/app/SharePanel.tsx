import { useState } from 'react';
import { parseRunJson } from './export';
import { useRunner } from './runner-context';
import { MAX_SHARED_TRAIN_ROWS, configHash, resultsHash } from './share';
import { type LabRun, runRows, useLab } from './store';

function pageUrl(hash: string): string {
  return `${location.origin}${location.pathname}${location.search}${hash}`;
}

/** A link carries settings and curves, never a base checkpoint file: say which files the recipient needs. */
function baseNote(runs: readonly LabRun[]): string | null {
  const withBase = runs.filter((r) => r.hasBase);
  if (withBase.length === 0) return null;
  const files = [...new Set(withBase.map((r) => (r.baseFile ? `${r.baseFile.name}${r.baseFile.sha256 ? ` (SHA-256 ${r.baseFile.sha256})` : ''}` : 'an uploaded file')))];
  return `${withBase.length} of the runs started from an uploaded base checkpoint, which the link does not include: ${files.join(', ')}. Send the file along; without it the runs start from the preset's base.`;
}

/** Links that recreate the runs (settings and seeds) or also show their curves; import of run files. */
export function SharePanel() {
  const runner = useRunner();
  const runs = useLab((s) => s.runs);
  const addBanner = useLab((s) => s.addBanner);
  const [link, setLink] = useState('');
  const [what, setWhat] = useState('');

  const publish = async (kind: 'config' | 'results') => {
    const hash = kind === 'config' ? configHash(runs.map((r) => r.config)) : await resultsHash(runs.map((r) => ({ name: r.name, config: r.config, rows: runRows(r) })));
    const url = pageUrl(hash);
    setLink(url);
    const thinned = runs.some((r) => r.train.length > MAX_SHARED_TRAIN_ROWS) ? `, curves thinned to ${MAX_SHARED_TRAIN_ROWS} points per run` : '';
    const note = baseNote(runs);
    const recreates = note ? `Carries the settings and seeds of ${runs.length} run(s). ${note}` : `Recreates ${runs.length} run(s) with the same settings and seeds.`;
    setWhat(kind === 'config' ? recreates : `Shows the ${runs.length} run(s)' curves at once (${(url.length / 1024).toFixed(1)} KiB link${thinned}) and lets the recipient re-run them.${note ? ' ' + note : ''}`);
    await navigator.clipboard?.writeText(url).catch(() => undefined);
  };

  const importFiles = async (files: FileList | null) => {
    if (!files || !runner) return;
    for (const file of Array.from(files)) {
      const result = parseRunJson(await file.text());
      if (!result.ok) {
        addBanner({ tone: 'error', title: `Could not import ${file.name}`, lines: result.errors });
        continue;
      }
      const { name, config, rows, rollouts } = result.run;
      await runner.create({ name, config, rows, rollouts, origin: 'import' });
      if (result.warnings.length) addBanner({ tone: 'warning', title: `Imported ${file.name} with changes`, lines: result.warnings });
    }
  };

  return (
    <section className="share" aria-label="Share">
      <div className="controls">
        <button type="button" disabled={runs.length === 0} onClick={() => void publish('config')}>
          Share link
        </button>
        <button type="button" disabled={runs.length === 0} onClick={() => void publish('results')}>
          Results link
        </button>
        <label className="file-button">
          Import run (JSON)
          <input type="file" accept=".json,application/json" multiple disabled={!runner} onChange={(e) => void importFiles(e.target.files).then(() => (e.target.value = ''))} />
        </label>
      </div>
      {link && (
        <div className="share-link">
          <input aria-label="Link to share" readOnly value={link} onFocus={(e) => e.target.select()} />
          <span className="hint">{what} Copied to the clipboard where the browser allows.</span>
        </div>
      )}
    </section>
  );
}
