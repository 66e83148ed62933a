// Lesson 5: D³S keeps the rollouts that maximise the advantage variance and the
// tokens with the largest |A|·H, fewer early and more as its schedule relaxes.

import { useState } from 'react';
import type { RunConfig } from '../../rl/config';
import { RATE } from '../chart-data';
import { GroupView, type GroupColouring } from './GroupView';
import { StepChart, XYChart, labMetric } from './LessonCharts';
import { LessonFrame } from './LessonFrame';
import { RunStrip } from './RunStrip';
import { Tex } from './Tex';
import { useLessonLauncher } from './use-lesson-runs';

export function Lesson5D3S({ initial }: { initial: RunConfig }) {
  const { config, control, add } = useLessonLauncher(initial);
  const [mode, setMode] = useState<GroupColouring>('kept');
  const d3s = control.runs.find((r) => r.config.algo === 'd3s') ?? control.runs[0];

  const text = (
    <>
      <p>
        D³S runs GRPO’s loss on a subset. In each group it keeps the <Tex>N_s</Tex> rollouts whose advantages have the largest variance, <Tex>{'S^\\star = \\arg\\max_{|S| = N_s} \\operatorname{Var}(A_S)'}</Tex> (the <Tex>j</Tex> largest and <Tex>N_s - j</Tex> smallest advantages for some <Tex>j</Tex>). Among their tokens it keeps the top <Tex>K\%</Tex> by{' '}
        <Tex>{'|A_{i,t}| \\cdot H_{i,t}'}</Tex>, with <Tex>{'H_{i,t} = -\\sum_a \\pi_\\theta(a\\mid s_{i,t}) \\log \\pi_\\theta(a\\mid s_{i,t})'}</Tex>: confident tokens and tokens of average completions drop out.
      </p>
      <Tex block>{'(N_s, K) = (1-p)\\,(N_{\\text{init}}, K_{\\text{init}}) + p\\,(N_{\\text{final}}, K_{\\text{final}}), \\qquad p = \\text{step}/\\text{total steps}'}</Tex>
      <p>The schedule starts aggressive and relaxes. The claim to test: fewer tokens in the loss for the same reward.</p>
    </>
  );

  const widget = (
    <>
      <div className="controls">
        <button type="button" disabled={!control.ready} onClick={() => add(initial, 'schedule', true)}>
          Train D³S
        </button>
      </div>
      <RunStrip runs={control.runs} control={control} />
      {d3s?.rollouts && <GroupView group={d3s.rollouts} mode={mode} onMode={setMode} modes={['kept', 'advantage', 'entropy']} />}
      <div className="lesson-charts">
        <StepChart runs={control.runs} metric={labMetric('varA')} />
        <StepChart runs={control.runs} metric={labMetric('tokensKept')} />
        <XYChart runs={control.runs} title="Reward against tokens used" xLabel="tokens used" x={(r) => r.tokensUsed} y={(r) => r.rewardMean} fixedY={RATE} />
      </div>
    </>
  );

  const tries = [
    { label: 'Add plain GRPO beside it', look: 'In “Reward against tokens used” GRPO’s line runs further right for the same steps: compare the rewards at equal token counts, not at equal steps.', apply: () => add({ ...initial, algo: 'grpo' }, 'all tokens') },
    { label: 'Add D³S with a fixed, harsh selection (25% samples, 10% tokens)', look: 'Var(A) after selection sits well above Var(A) before; tokens kept stays flat. Does the reward still rise?', apply: () => add({ ...initial, d3sSamplesInit: 25, d3sSamplesFinal: 25, d3sTokensInit: 10, d3sTokensFinal: 10 }, 'harsh') },
    { label: 'Colour the group by entropy', look: 'Kept tokens (green in “Kept by D³S”) are where entropy is high: the forks of a completion, not its forced characters.', apply: () => setMode('entropy') },
  ];

  return <LessonFrame number={5} config={config} text={text} widget={widget} tries={tries} disabled={!control.ready} />;
}
