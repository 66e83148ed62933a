// Lesson 6: positive versus negative reinforcement. One toggle picks which
// advantage signs enter GRPO's loss; pass@k across k tells the modes apart.

import { useState } from 'react';
import type { RunConfig } from '../../rl/config';
import { DiversityChart, PassAtKChart, StepChart, labMetric } from './LessonCharts';
import { LessonFrame } from './LessonFrame';
import { RunStrip } from './RunStrip';
import { Tex } from './Tex';
import { runName, useLessonRuns } from './use-lesson-runs';

type Polarity = RunConfig['polarity'];
const MODES: { id: Polarity; label: string }[] = [
  { id: 'both', label: 'both signs' },
  { id: 'positive', label: 'positive only (PSR)' },
  { id: 'negative', label: 'negative only (NSR)' },
];

export function Lesson6Polarity({ initial }: { initial: RunConfig }) {
  const [config, setConfig] = useState(initial);
  const control = useLessonRuns();
  const train = (c: RunConfig) => {
    setConfig(c);
    void control.launch([{ config: c, name: runName(c, MODES.find((m) => m.id === c.polarity)!.label) }], { start: true });
  };

  const text = (
    <>
      <p>
        GRPO’s loss <Tex>{'\\ell_{i,t} = -\\min(\\rho_{i,t} A_i, \\operatorname{clip}(\\rho_{i,t}, 1-\\varepsilon_{\\text{low}}, 1+\\varepsilon_{\\text{high}}) A_i)'}</Tex> mixes two forces: completions with <Tex>{'A_i > 0'}</Tex> are made likelier (positive sample reinforcement, PSR), those with <Tex>{'A_i < 0'}</Tex> less likely (negative sample reinforcement, NSR). Keeping only one sign
        separates them.
      </p>
      <p>
        PSR concentrates mass on answers already found, which tends to raise pass@1 and lower pass@k at large <Tex>k</Tex>. NSR only takes mass away from wrong answers and lets the policy’s own prior spread it over the rest, which tends to keep pass@k across the whole range.
      </p>
    </>
  );

  const widget = (
    <>
      <div className="controls" role="radiogroup" aria-label="Reinforce">
        {MODES.map((m) => (
          <label key={m.id}>
            <input type="radio" name="polarity" checked={config.polarity === m.id} onChange={() => setConfig({ ...config, polarity: m.id })} /> {m.label}
          </label>
        ))}
        <button type="button" disabled={!control.ready} onClick={() => train(config)}>
          Train ({MODES.find((m) => m.id === config.polarity)!.label})
        </button>
      </div>
      <RunStrip runs={control.runs} control={control} />
      <div className="lesson-charts">
        <PassAtKChart runs={control.runs} />
        <DiversityChart runs={control.runs} />
        <StepChart runs={control.runs} metric={labMetric('pass1')} />
        <StepChart runs={control.runs} metric={labMetric('entropy')} />
      </div>
    </>
  );

  const tries = [
    { label: 'Train all three modes side by side', look: 'At the last evaluation, which line is highest at k = 1 and which at the largest k? Do they cross?', apply: () => MODES.forEach((m) => train({ ...initial, polarity: m.id })) },
    { label: 'Positive only, four times longer', look: 'Entropy falls under PSR: the policy narrows onto what it already found. On this tiny model it can narrow onto the wrong thing (empty completions): watch the step at which pass@k drops, at every k.', apply: () => train({ ...initial, polarity: 'positive', steps: initial.steps * 4 }) },
    { label: 'Negative only, four times longer', look: 'NSR only pushes probability away from sampled failures; where it goes is up to the model. Watch entropy: above ln 3 ≈ 1.10 nats the policy is spending mass on characters that are not actions at all.', apply: () => train({ ...initial, polarity: 'negative', steps: initial.steps * 4 }) },
  ];

  return <LessonFrame number={6} config={config} text={text} widget={widget} tries={tries} disabled={!control.ready} />;
}
