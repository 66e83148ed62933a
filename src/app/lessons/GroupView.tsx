// One prompt's group, as a lesson shows it: each completion with its reward,
// its advantage, and its tokens coloured by what the step did to them
// (Δ log π), by the advantage, by entropy, or by D³S's keep mask.

import type { RolloutCompletion, RolloutGroup } from '../../rl/types';
import { divergingColor, sequentialColor } from '../colors';

export type GroupColouring = 'delta' | 'advantage' | 'entropy' | 'kept';

const LABELS: Record<GroupColouring, string> = {
  delta: 'Δ log π (after − before)',
  advantage: 'Advantage A',
  entropy: 'Entropy H',
  kept: 'Kept by D³S',
};

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

function tokenColour(c: RolloutCompletion, i: number, mode: GroupColouring, scale: number): string | undefined {
  switch (mode) {
    case 'delta':
      return divergingColor(c.deltaLogp[i] / scale);
    case 'advantage':
      return divergingColor(c.advantage / scale);
    case 'entropy':
      return sequentialColor(c.entropy[i] / scale);
    case 'kept':
      return c.kept[i] ? '#bbf7d0' : undefined;
  }
}

function groupScale(group: RolloutGroup, mode: GroupColouring): number {
  const values = group.completions.flatMap((c) => (mode === 'delta' ? c.deltaLogp : mode === 'entropy' ? c.entropy : mode === 'advantage' ? [c.advantage] : [1]));
  return Math.max(1e-9, ...values.map(Math.abs));
}

export function GroupView({ group, mode, onMode, modes }: { group: RolloutGroup; mode: GroupColouring; onMode(m: GroupColouring): void; modes: GroupColouring[] }) {
  const scale = groupScale(group, mode);
  return (
    <div className="lesson-group">
      <p className="prompt">
        Step {group.step} · prompt <code>{group.prompt}</code> · colour by{' '}
        {modes.map((m) => (
          <label key={m}>
            <input type="radio" name="lesson-colouring" checked={mode === m} onChange={() => onMode(m)} /> {LABELS[m]}{' '}
          </label>
        ))}
      </p>
      <table className="lesson-table" aria-label="Group of completions">
        <thead>
          <tr>
            <th>#</th>
            <th>completion</th>
            <th title="The verifier's reward">r</th>
            <th title="Group advantage">A</th>
            <th title="Sum over the completion's tokens of log π after the step minus log π before it">Σ Δ log π</th>
          </tr>
        </thead>
        <tbody>
          {group.completions.map((c, g) => (
            <tr key={g} className={c.correct ? 'correct' : 'wrong'}>
              <td>{g + 1}</td>
              <td className="tokens" data-testid="lesson-completion">
                {c.tokens.map((t, i) => (
                  <span
                    key={i}
                    className={`token${mode === 'kept' && !c.kept[i] ? ' dropped' : ''}`}
                    style={{ background: tokenColour(c, i, mode, scale) }}
                    title={`“${t}” · Δ log π ${c.deltaLogp[i]?.toFixed(4)} · H ${c.entropy[i]?.toFixed(3)}${c.kept[i] ? '' : ' · dropped'}`}
                  >
                    {t === ' ' ? '\u00a0' : t}
                  </span>
                ))}
              </td>
              <td>{c.reward.toFixed(2)}</td>
              <td style={{ background: divergingColor(c.advantage / Math.max(1e-9, ...group.completions.map((x) => Math.abs(x.advantage)))) }}>{c.advantage.toFixed(3)}</td>
              <td>{sum(c.deltaLogp).toFixed(4)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
