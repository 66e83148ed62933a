// Lesson 2: the learning cliff. A group whose completions all earn the same
// reward has A = 0 everywhere and contributes no gradient at all.

import type { RunConfig } from '../../rl/config';
import { RATE } from '../chart-data';
import { StepChart, labMetric, trainMetric } from './LessonCharts';
import { LessonFrame } from './LessonFrame';
import { RunStrip } from './RunStrip';
import { Tex } from './Tex';
import { useLessonLauncher } from './use-lesson-runs';

const zeroStd = trainMetric('fracRewardZeroStd', 'frac_reward_zero_std', 'Fraction of this step’s groups whose rewards are all equal (A = 0 for all their completions)', (r) => r.fracRewardZeroStd, RATE);
const gradNorm = trainMetric('gradNorm', 'Gradient norm', 'Global gradient norm of the step’s last update: 0 when every group was flat', (r) => r.gradNorm);


export function Lesson2Cliff({ initial }: { initial: RunConfig }) {
  const { config, control, add } = useLessonLauncher(initial);

  const text = (
    <>
      <p>
        GRPO’s advantage is relative to the group: <Tex>{'A_i = (r_i - \\operatorname{mean}_g r)/(\\operatorname{std}_g r + 10^{-6})'}</Tex>. When all <Tex>G</Tex> completions of a prompt earn the same reward, <Tex>{'r_i = \\operatorname{mean}_g r'}</Tex> for every <Tex>i</Tex>, so <Tex>{'A_i = 0'}</Tex> and the group adds nothing to the
        gradient: <Tex>{'\\nabla_\\theta \\ell_{i,t} = 0'}</Tex>. The lab logs the share of such groups as <code>frac_reward_zero_std</code>.
      </p>
      <p>
        On a task where the policy almost never succeeds, nearly every group is all-zero: the run sits at the bottom of a cliff, with no signal to climb. A group has some spread with probability <Tex>{'1 - (1-p)^G - p^G'}</Tex> when each completion succeeds with probability <Tex>p</Tex>: larger groups, or rewards that pay partial credit, move it off the cliff.
      </p>
    </>
  );

  const widget = (
    <>
      <div className="controls">
        <button type="button" disabled={!control.ready} onClick={() => add(initial, `G = ${initial.group}`, true)}>
          Train on the tree (G = {initial.group})
        </button>
      </div>
      <RunStrip runs={control.runs} control={control} />
      <div className="lesson-charts">
        <StepChart runs={control.runs} metric={zeroStd} />
        <StepChart runs={control.runs} metric={labMetric('reward')} />
        <StepChart runs={control.runs} metric={gradNorm} />
      </div>
    </>
  );

  const tries = [
    { label: 'Add a run with G = 16', look: 'frac_reward_zero_std drops well below the G = 4 run: with p ≈ 0.03, a group of 16 holds a winner about 40% of the time, a group of 4 only about 12%.', apply: () => add({ ...initial, group: 16 }, 'G = 16') },
    { label: 'Add a run on arithmetic (pass@1 ≈ 0.001)', look: 'frac_reward_zero_std stays at 1 and the gradient norm at 0: nothing moves, however long it trains.', apply: () => add({ ...initial, task: 'arithmetic', group: 4 }, 'arithmetic') },
    { label: 'Add a run on countdown (partial reward 0.1)', look: 'Countdown pays 0.1 for an expression over the right numbers: few completions are correct, yet groups have spread and learning starts.', apply: () => add({ ...initial, task: 'countdown', group: 4 }, 'countdown') },
  ];

  return <LessonFrame number={2} config={config} text={text} widget={widget} tries={tries} disabled={!control.ready} />;
}
