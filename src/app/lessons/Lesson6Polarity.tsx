// Lesson 6: positive versus negative reinforcement. One toggle picks which
// advantage signs enter GRPO's loss; pass@k across k tells the modes apart.

import { useState } from 'react';
import type { RunConfig } from '../../rl/config';
import { OutcomeCharts } from './LessonCharts';
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
    const label = MODES.find((m) => m.id === c.polarity)!.label + (c.advScale === 'reward' ? ', ±1 rewards' : '');
    void control.launch([{ config: c, name: runName(c, label) }], { start: true });
  };

  const text = (
    <>
      <p>
        GRPO’s loss <Tex>{'\\ell_{i,t} = -\\min(\\rho_{i,t} A_i, \\operatorname{clip}(\\rho_{i,t}, 1-\\varepsilon_{\\text{low}}, 1+\\varepsilon_{\\text{high}}) A_i)'}</Tex> mixes two forces: completions with <Tex>{'A_i > 0'}</Tex> are made likelier (positive sample reinforcement, PSR), those with <Tex>{'A_i < 0'}</Tex> less likely (negative sample reinforcement, NSR). Keeping only one sign
        separates them.
      </p>
      <p>
        In large language models PSR concentrates mass on answers already found, raising pass@1 and lowering pass@k at large <Tex>k</Tex>, while NSR only takes mass away from wrong answers and lets the model’s prior spread it over the rest, keeping pass@k across the whole range. Here the prior is flat: the base plays every one of the sixteen trees uniformly at random. With these settings (seed 1), both signs together stay at the base for 60 steps; positive-only narrows (distinct solutions 6.6 → 3.4 by step 20) and spreads out again; negative-only <em>sharpens</em>: pass@1 0.15 → 0.31 → 0.43 at steps 0, 40 and 60 while pass@32 falls from 0.99 to 0.44 and entropy to 0.01 — the mass taken from sampled failures has no plausible alternative to flow to, so it piles onto whatever was not sampled. Over the experiment’s five seeds negative-only ends below positive-only at pass@32 on every seed (docs/results.md).
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
      <OutcomeCharts runs={control.runs} metrics={['pass1', 'entropy', 'wellFormed']} />
    </>
  );

  const tries = [
    { label: 'Train all three modes side by side', look: 'At the last evaluation, which line is highest at k = 1 and which at the largest k? On seed 1 negative-only ends highest at k = 1 and lowest at k = 32.', apply: () => MODES.forEach((m) => train({ ...initial, polarity: m.id })) },
    { label: 'Negative only, ±1 rewards', look: 'The PSR/NSR paper’s objective: −1 for a failure and no baseline, so even a group that fails entirely is pushed down. On seed 1 the policy stays broad far longer (entropy 0.87 and pass@32 0.99 at step 40) and still collapses by step 60 (pass@32 0.33).', apply: () => train({ ...initial, polarity: 'negative', advScale: 'reward' }) },
    { label: 'Negative only, full decoding', look: 'Every token allowed, EOS included: now the mass taken from failures can also flow to characters that are no action at all or to a missing EOS. Watch pass@k at every k, and the well-formed share.', apply: () => train({ ...initial, polarity: 'negative', decoding: 'full' }) },
  ];

  return <LessonFrame number={6} config={config} text={text} widget={widget} tries={tries} disabled={!control.ready} />;
}
