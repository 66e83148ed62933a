// Lesson 3: sharpening or discovery? GRPO from the base, read through pass@k
// against k and the number of distinct correct solutions.

import type { RunConfig } from '../../rl/config';
import { DiversityChart, PassAtKChart, StepChart, labMetric } from './LessonCharts';
import { LessonFrame } from './LessonFrame';
import { RunStrip } from './RunStrip';
import { Tex } from './Tex';
import { useLessonLauncher } from './use-lesson-runs';

export function Lesson3Sharpening({ initial }: { initial: RunConfig }) {
  const { config, control, add } = useLessonLauncher(initial);

  const text = (
    <>
      <p>
        pass@k is the chance that at least one of <Tex>k</Tex> samples is correct. From <Tex>n \ge k</Tex> samples with <Tex>c</Tex> correct the lab uses the unbiased estimate
      </p>
      <Tex block>{'\\text{pass@}k = 1 - \\binom{n-c}{k} \\Big/ \\binom{n}{k}'}</Tex>
      <p>
        pass@1 measures what the policy does on one try; pass@k at large <Tex>k</Tex> measures what it <em>can</em> do. RL from verifiable rewards often raises pass@1 by moving mass onto solutions the base already found now and then (sharpening), while large-<Tex>k</Tex> pass@k and the number of distinct correct solutions stay
        put or fall below the base: the policy forgets alternatives instead of discovering new ones. The first chart below, pass@k against k, puts the base (step 0) and each run’s latest evaluation on one axis.
      </p>
    </>
  );

  const widget = (
    <>
      <div className="controls">
        <button type="button" disabled={!control.ready} onClick={() => add(initial, 'from the base', true)}>
          Train GRPO from the base
        </button>
      </div>
      <RunStrip runs={control.runs} control={control} />
      <div className="lesson-charts">
        <PassAtKChart runs={control.runs} />
        <DiversityChart runs={control.runs} />
        <StepChart runs={control.runs} metric={labMetric('pass1')} />
        <StepChart runs={control.runs} metric={labMetric('distinct')} />
      </div>
    </>
  );

  const tries = [
    { label: 'Train four times longer', look: 'Compare the run’s pass@k curve with the base’s at k = 1 and at the largest k: does the gap close, or do the lines cross?', apply: () => add({ ...initial, steps: initial.steps * 4 }, `${initial.steps * 4} steps`) },
    { label: 'Add ROVER on the same settings', look: 'ROVER samples from a softmax over values of the random policy: its distinct-solutions curve should fall more slowly than GRPO’s.', apply: () => add({ ...initial, algo: 'rover', minibatches: 4 }, 'from the base') },
    { label: 'Add GRPO on paths', look: 'On paths the base solves two thirds of the prompts within 64 samples but few in one: watch whether pass@32 keeps up with pass@1.', apply: () => add({ ...initial, task: 'paths' }, 'paths') },
  ];

  return <LessonFrame number={3} config={config} text={text} widget={widget} tries={tries} disabled={!control.ready} />;
}
