// How varied a prompt's group of sampled completions is. RLVR tends to sharpen
// the policy onto one solution per prompt; these counts make that visible:
// distinct correct solutions (after the task's canonical normalisation), how
// many of all existing solutions were found, distinct final answers, and
// distinct-n over the raw tokens.

export interface DiversitySample {
  /** The task's canonical form of the solution when it was verified correct; null when wrong. */
  canonical: string | null;
  /** The extracted final answer, right or wrong; null when none could be parsed. */
  answer: string | null;
  /** The completion's token ids, without prompt or padding. */
  tokens: ArrayLike<number>;
}

/** The n of the distinct-n scores, in the order they are reported. */
export const DISTINCT_N_ORDERS = [1, 2, 3, 4] as const;

export interface PromptDiversity {
  samples: number;
  correct: number;
  distinctCorrect: number;
  /** distinctCorrect / totalSolutions; null when the task cannot enumerate its solutions. */
  coverage: number | null;
  /** Distinct parsed answers among all samples, correct or not. */
  distinctAnswers: number;
  /**
   * For each n in DISTINCT_N_ORDERS: distinct n-grams / total n-grams, pooled
   * over the group's completions (n-grams never span two completions); null
   * when no completion has n tokens.
   */
  distinctN: (number | null)[];
  /** Mean of the defined distinctN entries; null when none is defined. */
  distinctNMean: number | null;
}

export interface BatchDiversity {
  prompts: number;
  /** Fraction of prompts with at least one correct sample. */
  solvedFraction: number;
  meanCorrect: number;
  meanDistinctCorrect: number;
  /** Mean over prompts whose task enumerates its solutions; null when none does. */
  meanCoverage: number | null;
  meanDistinctAnswers: number;
  /** Per n, the mean over prompts where it is defined. */
  distinctN: (number | null)[];
  /** Mean of the prompts' distinctNMean where defined. */
  distinctNMean: number | null;
}

function meanOfDefined(values: readonly (number | null)[]): number | null {
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (v === null) continue;
    sum += v;
    count++;
  }
  return count === 0 ? null : sum / count;
}

/** Distinct n-grams / total n-grams over all sequences; null when there are none. */
export function distinctNGrams(sequences: readonly ArrayLike<number>[], n: number): number | null {
  if (!Number.isInteger(n) || n < 1) throw new Error(`distinctNGrams: n must be a positive integer, got ${n}`);
  const seen = new Set<string>();
  let total = 0;
  for (const tokens of sequences) {
    for (let start = 0; start + n <= tokens.length; start++) {
      let key = String(tokens[start]);
      for (let i = 1; i < n; i++) key += ',' + tokens[start + i];
      seen.add(key);
      total++;
    }
  }
  return total === 0 ? null : seen.size / total;
}

function countDistinct(values: readonly (string | null)[]): number {
  return new Set(values.filter((v) => v !== null)).size;
}

export function promptDiversity(samples: readonly DiversitySample[], totalSolutions?: number): PromptDiversity {
  const canonicals = samples.map((s) => s.canonical);
  const distinctCorrect = countDistinct(canonicals);
  let coverage: number | null = null;
  if (totalSolutions !== undefined) {
    if (!Number.isInteger(totalSolutions) || totalSolutions < 1)
      throw new Error(`promptDiversity: totalSolutions must be a positive integer, got ${totalSolutions}`);
    // More distinct solutions than exist means the task's canonical form is not canonical.
    if (distinctCorrect > totalSolutions)
      throw new Error(`promptDiversity: found ${distinctCorrect} distinct solutions but the task says only ${totalSolutions} exist`);
    coverage = distinctCorrect / totalSolutions;
  }
  const tokenSequences = samples.map((s) => s.tokens);
  const distinctN = DISTINCT_N_ORDERS.map((n) => distinctNGrams(tokenSequences, n));
  return {
    samples: samples.length,
    correct: canonicals.filter((c) => c !== null).length,
    distinctCorrect,
    coverage,
    distinctAnswers: countDistinct(samples.map((s) => s.answer)),
    distinctN,
    distinctNMean: meanOfDefined(distinctN),
  };
}

/** Means over prompts, each prompt weighing the same whatever its group size. */
export function aggregateDiversity(list: readonly PromptDiversity[]): BatchDiversity {
  if (list.length === 0) throw new Error('aggregateDiversity: no prompts');
  const meanOf = (pick: (p: PromptDiversity) => number): number => list.reduce((sum, p) => sum + pick(p), 0) / list.length;
  const distinctN = DISTINCT_N_ORDERS.map((_, i) => meanOfDefined(list.map((p) => p.distinctN[i])));
  return {
    prompts: list.length,
    solvedFraction: meanOf((p) => (p.correct > 0 ? 1 : 0)),
    meanCorrect: meanOf((p) => p.correct),
    meanDistinctCorrect: meanOf((p) => p.distinctCorrect),
    meanCoverage: meanOfDefined(list.map((p) => p.coverage)),
    meanDistinctAnswers: meanOf((p) => p.distinctAnswers),
    distinctN,
    distinctNMean: meanOfDefined(list.map((p) => p.distinctNMean)),
  };
}
