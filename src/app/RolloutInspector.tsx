import type { RolloutCompletion, RolloutGroup } from '../rl/types';
import { divergingColor, sequentialColor } from './colors';
import { type Colouring, useLab } from './store';

const COLOURINGS: { id: Colouring; label: string; help: string }[] = [
  { id: 'entropy', label: 'Entropy', help: 'Entropy of π at each generated token: darker = more uncertain' },
  { id: 'advantage', label: 'Advantage', help: 'The completion’s advantage on each of its tokens: red positive, blue negative' },
  { id: 'kept', label: 'D³S keep-mask', help: 'Tokens that entered the loss are highlighted; dropped ones are struck out' },
  { id: 'q', label: 'ROVER Q', help: 'ROVER’s Q = ρ(log π_θ − log π_old) per token after the update: red positive, blue negative' },
];

/** Scales for the group, so colours compare across its completions. */
function groupScales(group: RolloutGroup) {
  const maxEntropy = Math.max(1e-6, ...group.completions.flatMap((c) => c.entropy));
  const maxAdv = Math.max(1e-6, ...group.completions.map((c) => Math.abs(c.advantage)));
  const maxQ = Math.max(1e-6, ...group.completions.flatMap((c) => (c.q ?? []).map(Math.abs)));
  return { maxEntropy, maxAdv, maxQ };
}

function tokenStyle(c: RolloutCompletion, i: number, mode: Colouring, s: ReturnType<typeof groupScales>): { background?: string; kept?: boolean; value: string } {
  switch (mode) {
    case 'entropy':
      return { background: sequentialColor(c.entropy[i] / s.maxEntropy), value: `entropy ${c.entropy[i]?.toFixed(3)}` };
    case 'advantage':
      return { background: divergingColor(c.advantage / s.maxAdv), value: `advantage ${c.advantage.toFixed(3)}` };
    case 'kept':
      return { background: c.kept[i] ? '#bbf7d0' : undefined, kept: !!c.kept[i], value: c.kept[i] ? 'kept' : 'dropped' };
    case 'q':
      return c.q ? { background: divergingColor(c.q[i] / s.maxQ), value: `Q ${c.q[i]?.toFixed(4)}` } : { value: 'no Q' };
  }
}

function Completion({ c, mode, scales }: { c: RolloutCompletion; mode: Colouring; scales: ReturnType<typeof groupScales> }) {
  return (
    <li className={`completion ${c.correct ? 'correct' : 'wrong'}`}>
      <span className="completion-meta">
        <span aria-label={c.correct ? 'correct' : 'wrong'}>{c.correct ? '✓' : '✗'}</span> r = {c.reward.toFixed(2)}, A = {c.advantage.toFixed(3)}
      </span>
      <span className="tokens" data-testid="completion-tokens">
        {c.tokens.map((t, i) => {
          const st = tokenStyle(c, i, mode, scales);
          return (
            <span key={i} className={`token${st.kept === false ? ' dropped' : ''}`} style={{ background: st.background }} title={`“${t}” · ${st.value}`}>
              {t === ' ' ? '\u00a0' : t}
            </span>
          );
        })}
      </span>
    </li>
  );
}

/** One prompt's latest group: each completion with its reward and advantage, tokens coloured by the chosen signal. */
export function RolloutInspector() {
  const runs = useLab((s) => s.runs);
  const selected = useLab((s) => s.inspectRunId);
  const inspect = useLab((s) => s.inspect);
  const mode = useLab((s) => s.colouring);
  const setMode = useLab((s) => s.setColouring);
  const run = runs.find((r) => r.id === selected) ?? runs[0];
  const group = run?.rollouts ?? null;
  const hasQ = !!group?.completions.some((c) => c.q);
  const scales = group ? groupScales(group) : null;

  return (
    <section className="inspector" aria-label="Rollout inspector">
      <div className="section-head">
        <h2>Rollouts</h2>
        {runs.length > 0 && (
          <select aria-label="Run to inspect" value={run?.id} onChange={(e) => inspect(e.target.value)}>
            {runs.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        )}
        <div role="radiogroup" aria-label="Colour tokens by" className="colouring">
          {COLOURINGS.map((c) => (
            <label key={c.id} title={c.help}>
              <input type="radio" name="colouring" value={c.id} checked={mode === c.id} disabled={c.id === 'q' && !hasQ} onChange={() => setMode(c.id)} /> {c.label}
            </label>
          ))}
        </div>
      </div>
      {!group ? (
        <p className="hint">{run ? 'The latest group of completions appears here after a training step.' : 'No run selected.'}</p>
      ) : (
        <>
          <p className="prompt">
            Step {group.step} · prompt <code>{group.prompt}</code>
          </p>
          <ol className="completions">
            {group.completions.map((c, i) => (
              <Completion key={i} c={c} mode={mode === 'q' && !hasQ ? 'entropy' : mode} scales={scales!} />
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
