import { describe, expect, it } from 'vitest';
import { aggregateDiversity, distinctNGrams, promptDiversity, type DiversitySample } from './diversity';

const sample = (canonical: string | null, answer: string | null, tokens: number[]): DiversitySample => ({ canonical, answer, tokens });

describe('distinctNGrams', () => {
  it('counts distinct over total n-grams, pooled across sequences', () => {
    // Unigrams 1,2,1,2 | 1,2: 2 distinct of 6.
    expect(distinctNGrams([[1, 2, 1, 2], [1, 2]], 1)).toBeCloseTo(2 / 6, 15);
    // Bigrams (1,2),(2,1),(1,2) | (1,2): 2 distinct of 4.
    expect(distinctNGrams([[1, 2, 1, 2], [1, 2]], 2)).toBeCloseTo(2 / 4, 15);
    // Trigrams only from the first: (1,2,1),(2,1,2).
    expect(distinctNGrams([[1, 2, 1, 2], [1, 2]], 3)).toBe(1);
    expect(distinctNGrams([[1, 2, 1, 2], [1, 2]], 5)).toBeNull();
  });

  it('never joins n-grams across two sequences', () => {
    // Concatenated, [1,2][1,2] would add the bigram (2,1) and score 2/3.
    expect(distinctNGrams([[1, 2], [1, 2]], 2)).toBe(0.5);
    // Concatenated, [1,1][1,1] would have three bigrams and score 1/3.
    expect(distinctNGrams([[1, 1], [1, 1]], 2)).toBe(0.5);
  });

  it('does not confuse multi-digit token ids', () => {
    // Keys "1,23" and "12,3" must differ.
    expect(distinctNGrams([[1, 23], [12, 3]], 2)).toBe(1);
  });

  it('refuses n < 1', () => {
    expect(() => distinctNGrams([[1]], 0)).toThrow(/positive integer/);
  });
});

describe('promptDiversity', () => {
  const group = [
    sample('a+b', '7', [5, 6, 7]),
    sample('a+b', '7', [5, 6, 7]),
    sample('b*a', '7', [8, 6, 7]),
    sample(null, '9', [5, 6]),
    sample(null, null, []),
  ];

  it('counts correct, distinct solutions, distinct answers and coverage', () => {
    const d = promptDiversity(group, 4);
    expect(d.samples).toBe(5);
    expect(d.correct).toBe(3);
    expect(d.distinctCorrect).toBe(2);
    expect(d.coverage).toBe(0.5);
    expect(d.distinctAnswers).toBe(2); // '7' and '9'; an unparsed answer is not an answer
    expect(promptDiversity(group).coverage).toBeNull();
  });

  it('reports distinct-1..4 over the group and their mean', () => {
    const d = promptDiversity(group);
    // Unigrams: 5,6,7,5,6,7,8,6,7,5,6 → 4 distinct of 11.
    expect(d.distinctN[0]).toBeCloseTo(4 / 11, 15);
    // Bigrams: 56,67,56,67,86,67,56 → 3 distinct of 7.
    expect(d.distinctN[1]).toBeCloseTo(3 / 7, 15);
    // Trigrams: 567,567,867 → 2 of 3; no 4-grams.
    expect(d.distinctN[2]).toBeCloseTo(2 / 3, 15);
    expect(d.distinctN[3]).toBeNull();
    expect(d.distinctNMean).toBeCloseTo((4 / 11 + 3 / 7 + 2 / 3) / 3, 15);
  });

  it('handles a group with nothing correct and no tokens', () => {
    const d = promptDiversity([sample(null, null, []), sample(null, null, [])], 3);
    expect(d).toEqual({
      samples: 2,
      correct: 0,
      distinctCorrect: 0,
      coverage: 0,
      distinctAnswers: 0,
      distinctN: [null, null, null, null],
      distinctNMean: null,
    });
  });

  it('refuses more distinct solutions than the task says exist', () => {
    expect(() => promptDiversity(group, 1)).toThrow(/found 2 distinct solutions.*only 1/);
    expect(() => promptDiversity(group, 0)).toThrow(/positive integer/);
  });
});

describe('aggregateDiversity', () => {
  it('averages per prompt, skipping undefined entries', () => {
    const solved = promptDiversity([sample('x', '1', [1, 2]), sample('y', '2', [1, 3])], 2);
    const unsolved = promptDiversity([sample(null, '3', [4]), sample(null, '3', [4])]);
    const batch = aggregateDiversity([solved, unsolved]);
    expect(batch.prompts).toBe(2);
    expect(batch.solvedFraction).toBe(0.5);
    expect(batch.meanCorrect).toBe(1);
    expect(batch.meanDistinctCorrect).toBe(1);
    expect(batch.meanCoverage).toBe(1); // only the first prompt enumerates its solutions
    expect(batch.meanDistinctAnswers).toBe(1.5);
    // distinct-1: solved 3/4, unsolved 1/2; distinct-2: solved 2/2, unsolved undefined.
    expect(batch.distinctN[0]).toBeCloseTo((3 / 4 + 1 / 2) / 2, 15);
    expect(batch.distinctN[1]).toBe(1);
    expect(batch.distinctN[2]).toBeNull();
    expect(batch.distinctNMean).toBeCloseTo(((3 / 4 + 1) / 2 + 1 / 2) / 2, 15);
    expect(() => aggregateDiversity([])).toThrow(/no prompts/);
  });
});
