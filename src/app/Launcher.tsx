import { useState } from 'react';
import { CheckpointError, readCheckpoint } from '../model/checkpoint';
import { type RunConfig, runConfigIssues, runSchema } from '../rl/config';
import { EXPERIMENTS } from './experiments';
import { useRunner } from './runner-context';
import { SettingField } from './SettingField';
import { useLab } from './store';

const GROUPS: { id: string; title: string; algo?: string }[] = [
  { id: 'run', title: 'Run' },
  { id: 'sampling', title: 'Sampling' },
  { id: 'optimizer', title: 'Optimizer' },
  { id: 'grpo', title: 'GRPO / D³S loss' },
  { id: 'rover', title: 'ROVER', algo: 'rover' },
  { id: 'd3s', title: 'D³S down-sampling', algo: 'd3s' },
  { id: 'eval', title: 'Evaluation' },
];

type Key = keyof RunConfig;
const keysOf = (group: string) => (Object.keys(runSchema) as Key[]).filter((k) => runSchema[k].group === group);

interface Base {
  name: string;
  data: ArrayBuffer;
}

function BaseCheckpoint({ base, onChange }: { base: Base | null; onChange(base: Base | null): void }) {
  const [error, setError] = useState<string | null>(null);
  const load = async (file: File | undefined) => {
    if (!file) return onChange(null);
    const data = await file.arrayBuffer();
    try {
      readCheckpoint(data);
      setError(null);
      onChange({ name: file.name, data });
    } catch (e) {
      setError(e instanceof CheckpointError ? e.message : `Not a checkpoint: ${(e as Error).message}`);
      onChange(null);
    }
  };
  return (
    <div className="setting" title="A policy saved by this lab (.safetensors) to start from; without one, each run starts from the preset's base model">
      <label htmlFor="base-checkpoint">Base checkpoint</label>
      <input id="base-checkpoint" type="file" accept=".safetensors,application/octet-stream" onChange={(e) => void load(e.target.files?.[0])} />
      {base && <span className="hint">{base.name}</span>}
      {error && (
        <span className="setting-issue" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

/** The left panel: a comparison preset or one run, every setting with its default, range and help. */
export function Launcher() {
  const runner = useRunner();
  const draft = useLab((s) => s.draft);
  const epoch = useLab((s) => s.draftEpoch);
  const setDraft = useLab((s) => s.setDraft);
  const gpuReady = useLab((s) => s.gpu.status !== 'unavailable');
  const [experiment, setExperiment] = useState(EXPERIMENTS[0].id);
  const [base, setBase] = useState<Base | null>(null);
  const issues = runConfigIssues(draft);
  const issueFor = (k: string) => issues.find((i) => i.key === k)?.message;
  const chosen = EXPERIMENTS.find((e) => e.id === experiment)!;
  const canLaunch = !!runner && gpuReady;

  const launch = async (configs: RunConfig[]) => {
    if (!runner) return;
    for (const config of configs) await runner.create({ config, base: base?.data.slice(0), start: true });
  };

  return (
    <aside className="launcher" aria-label="Launcher">
      <h2>Launch</h2>
      {!gpuReady && <p className="hint">Training needs WebGPU, which this browser lacks; runs can still be configured, shared and inspected.</p>}
      <section className="experiment">
        <label htmlFor="experiment">Comparison</label>
        <select id="experiment" value={experiment} onChange={(e) => setExperiment(e.target.value)}>
          {EXPERIMENTS.map((e) => (
            <option key={e.id} value={e.id}>
              {e.title}
            </option>
          ))}
        </select>
        <p className="hint">{chosen.description} Uses the task, model, seed and steps below.</p>
        <button type="button" disabled={!canLaunch || issues.length > 0} onClick={() => void launch(chosen.configs(draft).map((c) => ({ ...c })))}>
          Launch comparison ({chosen.configs(draft).length} runs)
        </button>
      </section>
      <form
        key={epoch}
        onSubmit={(e) => {
          e.preventDefault();
          void launch([draft]);
        }}
      >
        {GROUPS.map((g) => (
          <details key={g.id} open={g.id === 'run' || g.id === 'sampling' || g.algo === draft.algo}>
            <summary>{g.title}</summary>
            {keysOf(g.id).map((k) => (
              <SettingField key={k} name={k} field={runSchema[k]} value={draft[k]} issue={issueFor(k)} onChange={(v) => setDraft({ [k]: v } as Partial<RunConfig>)} />
            ))}
          </details>
        ))}
        <BaseCheckpoint base={base} onChange={setBase} />
        {issues.length > 0 && (
          <ul className="issues" aria-label="Setting problems">
            {issues.map((i) => (
              <li key={i.key + i.message}>
                {runSchema[i.key as Key]?.label ?? i.key}: {i.message}
              </li>
            ))}
          </ul>
        )}
        <button type="submit" className="primary" disabled={!canLaunch || issues.length > 0}>
          Launch run
        </button>
      </form>
    </aside>
  );
}
