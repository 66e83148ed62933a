import { describe, expect, it } from 'vitest';
import { arithmetic, evaluateArithmetic, type ArithmeticProblem } from './arithmetic';

const p: ArithmeticProblem = { expression: '12*3-40', value: '-4', bound: '970299' };

/** An independent evaluator: two passes, products first, over the token list. */
function evaluateByPasses(expression: string): number {
  const tokens = expression.match(/[0-9]+|[+\-*]/g)!;
  const terms: (number | string)[] = [Number(tokens[0])];
  for (let i = 1; i < tokens.length; i += 2) {
    if (tokens[i] === '*') terms[terms.length - 1] = (terms[terms.length - 1] as number) * Number(tokens[i + 1]);
    else terms.push(tokens[i], Number(tokens[i + 1]));
  }
  let total = terms[0] as number;
  for (let i = 1; i < terms.length; i += 2) total += (terms[i] === '+' ? 1 : -1) * (terms[i + 1] as number);
  return total;
}

describe('arithmetic', () => {
  it('evaluates with precedence', () => {
    expect(evaluateArithmetic('2+3*4')).toBe(14n);
    expect(evaluateArithmetic('2-3*4-5')).toBe(-15n);
    expect(evaluateArithmetic('10-2-3')).toBe(5n);
    expect(evaluateArithmetic('999*999*999*999*999*999')).toBe(999n ** 6n);
  });

  it.each([
    ['-4', 1],
    [' -4 ', 1],
    ['-04', 1],
    ['4', 0],
    ['+4', 0],
    ['-4.0', 0],
    ['- 4', 0],
    ['-4=', 0],
    ['−4', 0], // a Unicode minus is not the ASCII one
    ['', 0],
    ['-', 0],
  ])('%j scores %d', (completion, reward) => {
    expect(arithmetic.score(p, completion)).toBe(reward);
    expect(arithmetic.isCorrect(p, completion)).toBe(reward === 1);
    expect(arithmetic.canonical(p, completion)).toBe(reward === 1 ? '-4' : null);
  });

  it('normalises answers', () => {
    expect(arithmetic.answer(p, '007')).toBe('7');
    expect(arithmetic.answer(p, '-0')).toBe('0');
    expect(arithmetic.answer(p, '1' + '0'.repeat(40))).toBe('1' + '0'.repeat(40));
    expect(arithmetic.answer(p, 'seven')).toBeNull();
  });

  it('generated values match an independent evaluator, and fit the knobs', () => {
    for (const cfg of [arithmetic.defaults, { terms: 5, digits: 1, multiply: 0 }, { terms: 2, digits: 3, multiply: 1 }]) {
      for (let i = 0; i < 50; i++) {
        const q = arithmetic.generate(cfg, i % 4 ? 'train' : 'eval', 2, i);
        expect(q.value).toBe(String(evaluateByPasses(q.expression)));
        const numbers = q.expression.split(/[+\-*]/);
        expect(numbers).toHaveLength(cfg.terms);
        expect(numbers.every((n) => n.length <= cfg.digits && Number(n) >= 1)).toBe(true);
        if (!cfg.multiply) expect(q.expression).not.toContain('*');
        expect(arithmetic.solutions!(q)).toEqual([q.value]);
      }
    }
  });
});
