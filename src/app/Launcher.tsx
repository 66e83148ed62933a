import { type ReactNode, useState } from 'react';
import { CheckpointError } from '../model/checkpoint';
import { type RunConfig, runConfigIssues, runSchema } from '../rl/config';
import { EXPERIMENTS } from './experiments';
import { BASE_LABEL, type BaseFile, type LaunchProblem, baseMismatch, blockedText, launchProblems, readBaseFile } from './launch-check';
import { useRunner } from './runner-context';
import { SettingField, useHelp } from './SettingField';
import { useLab } from './store';
import './launcher.css';

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

function BaseCheckpoint({ base, onChange }: { base: BaseFile | null; onChange(base: BaseFile | null): void }) {
  const draft = useLab((s) => s.draft);
  const setDraft = useLab((s) => s.setDraft);
  const [error, setError] = useState<string | null>(null);
  const [followed, setFollowed] = useState<string | null>(null);
  const help = useHelp('base-checkpoint-help', BASE_LABEL, "A policy saved by this lab (.safetensors) to start from; without one, each run starts from the preset's base model. It is read as soon as it is chosen: the Model setting follows the file, and a file made for another task is named.");
  const load = async (file: File | undefined) => {
    setFollowed(null);
    if (!file) return onChange(null);
    try {
      const read = await readBaseFile(file.name, await file.arrayBuffer());
      setError(null);
      if (read.preset !== null && read.preset !== useLab.getState().draft.preset) {
        setDraft({ preset: read.preset });
        setFollowed(`Model set to ${read.preset} to match ${read.name}.`);
      }
      onChange(read);
    } catch (e) {
      setError(`${file.name}: ${e instanceof CheckpointError ? e.message : `not a checkpoint (${(e as Error).message})`}`);
      onChange(null);
    }
  };
  const mismatch = base && baseMismatch(base, draft);
  return (
    <div className={`setting${mismatch || error ? ' setting-invalid' : ''}`}>
      <span className="setting-label">
        <label htmlFor="base-checkpoint">{BASE_LABEL}</label>
        {help.button}
      </span>
      <input id="base-checkpoint" type="file" accept=".safetensors,application/octet-stream" aria-describedby="base-checkpoint-help" onChange={(e) => void load(e.target.files?.[0])} />
      {help.help}
      {base && (
        <span className="hint base-file">
          {base.name} · {base.task} · {base.preset ?? 'own shape'}
          {base.sha256 && ` · SHA-256 ${base.sha256}`}
        </span>
      )}
      {followed && !mismatch && <span className="hint base-file" role="status">{followed}</span>}
      {(error ?? mismatch) && (
        <span className="setting-issue" role="alert">
          {error ?? mismatch}
        </span>
      )}
    </div>
  );
}

/** A launch button that is off while anything it would use is invalid, and names what. */
function LaunchButton({ id, problems, ready, className, type = 'button', onClick, children }: { id: string; problems: LaunchProblem[]; ready: boolean; className?: string; type?: 'button' | 'submit'; onClick?(): void; children: ReactNode }) {
  const blocked = problems.length > 0;
  return (
    <>
      <button type={type} className={className} disabled={!ready || blocked} aria-describedby={blocked ? id : undefined} onClick={onClick}>
        {children}
      </button>
      {blocked && (
        <p id={id} className="launch-blocked" data-testid="launch-blocked">
          {blockedText(problems)}
        </p>
      )}
    </>
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
  const [base, setBase] = useState<BaseFile | null>(null);
  // Keyed by the draft's epoch: a new draft (loaded settings, a link) remounts the fields, and their half-typed text goes with them.
  const [typed, setTyped] = useState<{ epoch: number; errors: Record<string, string> }>({ epoch, errors: {} });
  const fieldErrors = typed.epoch === epoch ? typed.errors : {};
  const issues = runConfigIssues(draft);
  const issueFor = (k: string) => issues.find((i) => i.key === k)?.message;
  const chosen = EXPERIMENTS.find((e) => e.id === experiment)!;
  const comparison = chosen.configs(draft);
  const runProblems = launchProblems([draft], fieldErrors, base);
  // A shipped experiment brings its own base (the task's shipped checkpoint), as its settings; an uploaded base is for the launcher's runs.
  const comparisonBase = chosen.shipped ? null : base;
  const comparisonProblems = launchProblems(comparison, fieldErrors, comparisonBase);
  const canLaunch = !!runner && gpuReady;
  const fieldError = (k: string) => (message: string | null) =>
    setTyped((t) => {
      const { [k]: _old, ...rest } = t.epoch === epoch ? t.errors : {};
      return { epoch, errors: message === null ? rest : { ...rest, [k]: message } };
    });

  const launch = async (configs: RunConfig[], problems: LaunchProblem[], withBase: BaseFile | null) => {
    if (!runner || problems.length > 0) return;
    const baseFile = withBase && { name: withBase.name, sha256: withBase.sha256 };
    for (const config of configs) await runner.create({ config, base: withBase?.data.slice(0), baseFile: baseFile ?? undefined, start: true });
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
        <p className="hint">
          {chosen.description} {chosen.shipped ? `The settings and base model of npm run compare -- --experiment ${chosen.shipped}; only the seed comes from below.` : 'Uses the task, model, seed and steps below.'}
        </p>
        <LaunchButton id="launch-comparison-blocked" problems={comparisonProblems} ready={canLaunch} onClick={() => void launch(comparison, comparisonProblems, comparisonBase)}>
          Launch comparison ({comparison.length} runs)
        </LaunchButton>
      </section>
      <form
        key={epoch}
        onSubmit={(e) => {
          e.preventDefault();
          void launch([draft], runProblems, base);
        }}
      >
        {GROUPS.map((g) => (
          <details key={g.id} open={g.id === 'run' || g.id === 'sampling' || g.algo === draft.algo}>
            <summary>{g.title}</summary>
            {keysOf(g.id).map((k) => (
              <SettingField key={k} name={k} field={runSchema[k]} value={draft[k]} issue={issueFor(k)} onChange={(v) => setDraft({ [k]: v } as Partial<RunConfig>)} onError={fieldError(k)} />
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
        <LaunchButton id="launch-run-blocked" type="submit" className="primary" problems={runProblems} ready={canLaunch}>
          Launch run
        </LaunchButton>
      </form>
    </aside>
  );
}
