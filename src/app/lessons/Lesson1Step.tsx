// Lesson 1: one GRPO step at a time on a tiny countdown policy — the group,
// its rewards, its advantages, and which tokens the update made likelier.

import { useState } from 'react';
import type { RunConfig } from '../../rl/config';
import { GroupView, type GroupColouring } from './GroupView';
import { LessonFrame } from './LessonFrame';
import { RunStrip } from './RunStrip';
import { Tex } from './Tex';
import { useLessonRuns } from './use-lesson-runs';

export function Lesson1Step({ initial }: { initial: RunConfig }) {
  const [config, setConfig] = useState(initial);
  const [mode, setMode] = useState<GroupColouring>('delta');
  const control = useLessonRuns();
  const run = control.runs[0];
  const row = run?.train.at(-1);
  const busy = run?.status === 'starting' || run?.status === 'running';

  const stepWith = async (c: RunConfig) => {
    setConfig(c);
    const [id] = await control.launch([{ config: c, name: 'GRPO · one step at a time' }], { replace: true });
    if (id) await control.stepOnce(id);
  };
  const next = async () => (run && run.status !== 'ready' ? control.stepOnce(run.id) : stepWith(config));

  const text = (
    <>
      <p>
        A training step samples <Tex>G</Tex> completions <Tex>{'y_1 \\dots y_G'}</Tex> for each prompt. A verifier scores each one, <Tex>{'r_i \\in [0,1]'}</Tex>, and GRPO compares every completion with the rest of its group:
      </p>
      <Tex block>{'A_i = \\frac{r_i - \\operatorname{mean}_g r}{\\operatorname{std}_g r + 10^{-6}}'}</Tex>
      <p>
        <Tex>A_i</Tex> is copied to every token of completion <Tex>i</Tex>. The loss per token is{' '}
        <Tex>{'\\ell_{i,t} = -\\min\\big(\\rho_{i,t} A_i,\\ \\operatorname{clip}(\\rho_{i,t}, 1-\\varepsilon_{\\text{low}}, 1+\\varepsilon_{\\text{high}})\\, A_i\\big)'}</Tex> with <Tex>{'\\rho_{i,t} = \\pi_\\theta(a_{i,t}\\mid s_{i,t}) / \\pi_{\\text{old}}(a_{i,t}\\mid s_{i,t})'}</Tex>. Descending it raises the log-probability of tokens in
        completions that beat their group and lowers it for those that fell short. The colours show exactly that, measured after the update: <Tex>{'\\Delta\\log\\pi = \\log\\pi_\\theta - \\log\\pi_{\\text{old}}'}</Tex> per token, red up, blue down.
      </p>
    </>
  );

  const widget = (
    <>
      <div className="controls">
        <button type="button" disabled={!control.ready || busy || run?.status === 'done'} onClick={() => void next()}>
          {run ? 'Next step' : 'Sample a group and update once'}
        </button>
        {row && (
          <span className="lesson-stat" data-testid="lesson-step-summary">
            step {row.step}: mean reward {row.rewardMean.toFixed(3)}, reward std {row.rewardStd.toFixed(3)}, groups with zero std {(row.fracRewardZeroStd * 100).toFixed(0)}%, loss {row.loss.toFixed(4)}
          </span>
        )}
      </div>
      <RunStrip runs={control.runs} control={control} />
      {run?.rollouts ? <GroupView group={run.rollouts} mode={mode} onMode={setMode} modes={['delta', 'advantage', 'entropy']} /> : <p className="hint">{run ? 'Sampling, scoring and updating…' : 'Press the button: the tiny countdown policy samples a group for a prompt, and one update follows.'}</p>}
    </>
  );

  const tries = [
    {
      label: 'Groups of 2',
      look: 'With G = 2 the advantages are ±0.707 or 0: one completion is pushed up exactly as hard as the other is pushed down, and a tie teaches nothing.',
      apply: () => void stepWith({ ...config, group: 2 }),
    },
    {
      label: 'Dr. GRPO scaling (no division by the std)',
      look: 'A = r − mean: the advantages shrink to the size of the reward differences (partial rewards of 0.1 give small pushes), and so do the Δ log π colours.',
      apply: () => void stepWith({ ...config, advScale: 'none' }),
    },
    {
      label: 'Sample at temperature 0.5',
      look: 'Completions look alike and rewards tie more often; look at how many rows have A = 0 and stay white.',
      apply: () => void stepWith({ ...config, temperature: 0.5 }),
    },
  ];

  return <LessonFrame number={1} config={config} text={text} widget={widget} tries={tries} disabled={!control.ready || busy} />;
}
