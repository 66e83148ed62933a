// Held-out evaluation: n samples for each eval prompt, scored by the task's
// verifier, summarised as unbiased pass@k for k = 1, 2, 4, … n and diversity
// (distinct correct solutions, coverage, distinct answers, distinct-n).

import { aggregateDiversity, promptDiversity } from '../metrics/diversity';
import { passAtKCurve } from '../metrics/passk';
import type { CharTokenizer } from '../tasks/tokenizer';
import type { AnyTask } from '../tasks/types';
import { type Problem, type RolloutSampler, sampleAndScore } from './rollout';
import type { EvalRow } from './types';

export interface EvalOptions {
  /** Samples per prompt. */
  n: number;
  maxNewTokens: number;
  temperature: number;
  topK: number;
  seed: number;
  /** Distinguishes the random streams of successive evaluations. */
  step: number;
}

export async function evaluate(sampler: RolloutSampler, task: AnyTask, tokenizer: CharTokenizer, problems: readonly Problem[], o: EvalOptions): Promise<EvalRow> {
  // As many prompts per sampler call as its rows allow; every prompt keeps all n samples in one call.
  const perCall = Math.max(1, Math.floor(sampler.maxRows / o.n));
  if (o.n > sampler.maxRows) throw new Error(`evaluate: ${o.n} samples per prompt exceed the sampler's ${sampler.maxRows} rows`);
  const counts: { n: number; c: number }[] = [];
  const diversity = [];
  let nllSum = 0;
  let wellFormed = 0;
  let sampled = 0;
  let tokenCount = 0;
  for (let first = 0; first < problems.length; first += perCall) {
    const chunk = problems.slice(first, first + perCall);
    const r = await sampleAndScore(sampler, task, tokenizer, chunk, { groupSize: o.n, maxNewTokens: o.maxNewTokens, temperature: o.temperature, topK: o.topK, seed: o.seed, step: o.step * 4096 + first });
    for (let p = 0; p < chunk.length; p++) {
      const samples = [];
      let c = 0;
      for (let g = 0; g < o.n; g++) {
        const row = p * o.n + g;
        c += r.correct[row];
        samples.push({ canonical: task.canonical(chunk[p].data, r.texts[row]), answer: task.answer(chunk[p].data, r.texts[row]), tokens: r.completions[row] });
      }
      counts.push({ n: o.n, c });
      const all = task.solutions?.(chunk[p].data);
      diversity.push(promptDiversity(samples, all ? all.length : undefined));
    }
    for (const w of r.wellFormed) wellFormed += w;
    sampled += r.wellFormed.length;
    const { logp, mask } = r.sample;
    for (let i = 0; i < mask.length; i++) if (mask[i]) {
      nllSum -= logp[i];
      tokenCount++;
    }
  }
  const d = aggregateDiversity(diversity);
  return {
    kind: 'eval',
    step: o.step,
    prompts: problems.length,
    samples: o.n,
    passAtK: passAtKCurve(counts).map(({ k, passAtK }) => ({ k, value: passAtK })),
    distinctCorrect: d.meanDistinctCorrect,
    coverage: d.meanCoverage,
    distinctAnswers: d.meanDistinctAnswers,
    distinctN: d.distinctN.map((x) => x ?? 0),
    // The mean negative log-likelihood of sampled tokens estimates the sampling distribution's entropy.
    entropy: tokenCount > 0 ? nllSum / tokenCount : 0,
    wellFormed: sampled > 0 ? wellFormed / sampled : 0,
  };
}
