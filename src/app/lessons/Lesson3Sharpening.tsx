// Lesson 3: sharpening or discovery? GRPO from the base, read through pass@k
// against k and the number of distinct correct solutions.

import type { RunConfig } from '../../rl/config';
import { OutcomeCharts } from './LessonCharts';
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
        put or fall below the base: the policy forgets alternatives instead of discovering new ones. The first chart below, pass@k against k, puts the base (step 0) and each run’s latest evaluation on one axis; the second follows each run’s distinct correct solutions against its pass@1, one point per evaluation.
      </p>
      <p>
        The task has sixteen small trees behind one policy (the prompt names the tree) and a base that plays uniformly at random: 15 % of its attempts win, and within 64 samples it finds a winner on every tree, with about 6.7 different winning leaves per prompt. With these settings (seed 2) GRPO leaves the base within ten steps: by step 20 pass@1 is 0.25 while pass@32 has fallen from 1.00 to 0.44 and the distinct solutions from 6.7 to 0.7, and by step 30 the policy is nearly deterministic (pass@1 = pass@32 ≈ 0.25): it wins on a quarter of the trees and has lost the rest. When this happens depends on the seed: in the shipped experiment (docs/results.md) three of five seeds sharpened within 60 steps and two never left the base.
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
      <OutcomeCharts runs={control.runs} metrics={['pass1', 'distinct', 'wellFormed']} />
    </>
  );

  const tries = [
    { label: 'Another seed', look: 'When GRPO starts to sharpen varies from seed to seed: some runs leave the base within 10 steps, others only after 30, and some not within 60. Compare where this run’s curve turns, if it does.', apply: () => add({ ...initial, seed: initial.seed + 1 }, `seed ${initial.seed + 1}`) },
    { label: 'Add ROVER (ρ = 3, lr 10⁻²)', look: 'The shipped rover-diversity arm: it keeps the base’s distinct solutions and large-k pass@k, but on this task and budget its pass@1 barely leaves the base either.', apply: () => add({ ...initial, algo: 'rover', rho: 3, lr: 1e-2 }, 'ROVER') },
    { label: 'Full decoding', look: 'The same run with every token allowed, EOS included: watch the well-formed share (and pass@k) fall to 0 as GRPO pushes EOS down at losing prefixes, until no completion ends and nothing is rewarded.', apply: () => add({ ...initial, decoding: 'full' }, 'full decoding') },
  ];

  return <LessonFrame number={3} config={config} text={text} widget={widget} tries={tries} disabled={!control.ready} />;
}
