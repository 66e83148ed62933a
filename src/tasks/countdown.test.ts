import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng';
import { countdown, countdownKey, countdownSolutions, type CountdownProblem } from './countdown';
import { formOf, parseExpr } from './countdown-expr';

const problem = (numbers: number[], target: number, partialReward = 0.1): CountdownProblem => ({ numbers, target, partialReward });

describe('countdown verifier', () => {
  const p = problem([3, 5, 7], 22);
  it.each([
    ['3*5+7', 1],
    ['7+5*3', 1],
    ['(5*3)+7', 1],
    ['  3*5+7\n', 1], // surrounding whitespace is ignored
    ['(3+5)*7', 0.1], // right numbers, wrong value
    ['3/5/7', 0.1],
    ['3*5+7+1', 0], // an extra number
    ['3*5', 0], // a missing number
    ['3*5+5', 0], // a number used twice, another not at all
    ['3*5+07', 0], // leading zeros are not the given number
    ['3 * 5 + 7', 0], // spaces inside are not part of the format
    ['+3*5+7', 0], // no unary plus or minus
    ['-3*5+7', 0],
    ['3*(5+7', 0],
    ['3*5+7)', 0],
    ['3*5+7=22', 0],
    ['22', 0],
    ['', 0],
    ['three', 0],
  ])('%j scores %d', (completion, reward) => {
    expect(countdown.score(p, completion)).toBe(reward);
    expect(countdown.isCorrect(p, completion)).toBe(reward === 1);
    expect(countdown.canonical(p, completion) !== null).toBe(reward === 1);
  });

  it('a division by zero is a well-formed wrong expression', () => {
    const q = problem([3, 5, 5], 8);
    expect(countdown.score(q, '3/(5-5)')).toBe(0.1);
    expect(countdown.score(q, '3+5/5')).toBe(0.1);
    expect(countdown.score(q, '3+5+5-5')).toBe(0);
  });

  it('uses exact rationals: intermediate fractions are fine, the final value must be the integer target', () => {
    const q = problem([1, 3, 6], 2);
    expect(countdown.score(q, '6*1/3')).toBe(1);
    expect(countdown.score(q, '(1/3)*6')).toBe(1);
    expect(countdown.score(problem([1, 3, 3], 1), '1/3*3')).toBe(1);
    expect(countdown.score(problem([1, 3, 6], 3), '6*1/3')).toBe(0.1);
  });

  it('the partial reward is the configured one', () => {
    expect(countdown.score(problem([3, 5, 7], 22, 0), '3+5+7')).toBe(0);
    expect(countdown.score(problem([3, 5, 7], 22, 0.25), '3+5+7')).toBe(0.25);
  });

  it('canonical forms merge commutative and associative rewrites only', () => {
    const q = problem([10, 4, 3], 9);
    const forms = ['10-(4-3)', '10-4+3', '10+3-4', '3-(4-10)', '(10+3)-4', '3+(10-4)'].map((s) => countdown.canonical(q, s));
    expect(new Set(forms).size).toBe(1);
    expect(forms[0]).not.toBeNull();
    const r = problem([2, 3, 4], 6);
    expect(countdown.canonical(r, '4/2*3')).toBe(countdown.canonical(r, '3/(2/4)'));
    expect(countdown.canonical(r, '(4-2)*3')).not.toBe(countdown.canonical(r, '4*3/2'));
    // The canonical string is itself a correct solution.
    expect(countdown.score(r, countdown.canonical(r, '3*(4-2)')!)).toBe(1);
  });

  it('answers are canonical forms of any well-formed expression', () => {
    const q = problem([3, 5, 7], 22);
    expect(countdown.answer(q, '(3+5)*7')).toBe(countdown.answer(q, '7*(5+3)'));
    expect(countdown.answer(q, '1+2')).toBe('1+2');
    expect(countdown.answer(q, '1+')).toBeNull();
  });
});

// ---- an independent brute force: every binary tree over every ordering, evaluated in floats ----

type Tree = number | { op: string; l: Tree; r: Tree };

function trees(nums: number[]): Tree[] {
  if (nums.length === 1) return [nums[0]];
  const out: Tree[] = [];
  for (let i = 1; i < nums.length; i++) {
    for (const l of trees(nums.slice(0, i))) for (const r of trees(nums.slice(i))) for (const op of '+-*/') out.push({ op, l, r });
  }
  return out;
}

function permutations(xs: number[]): number[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

function floatValue(t: Tree): number {
  if (typeof t === 'number') return t;
  const a = floatValue(t.l), b = floatValue(t.r);
  return t.op === '+' ? a + b : t.op === '-' ? a - b : t.op === '*' ? a * b : b === 0 ? NaN : a / b;
}

const fullyParenthesised = (t: Tree): string => (typeof t === 'number' ? String(t) : `(${fullyParenthesised(t.l)}${t.op}${fullyParenthesised(t.r)})`);

function bruteForceSolutions(numbers: number[], target: number): Set<string> {
  const found = new Set<string>();
  for (const order of permutations(numbers)) {
    for (const t of trees(order)) {
      if (Math.abs(floatValue(t) - target) < 1e-9) found.add(formOf(parseExpr(fullyParenthesised(t))!).canon);
    }
  }
  return found;
}

describe('countdown solution enumeration', () => {
  const cases: [number[], number][] = [
    [[3, 5, 7], 22],
    [[2, 2, 3], 7],
    [[1, 3, 6], 2],
    [[4, 4, 4, 4], 16],
    [[1, 2, 3, 4], 10],
    [[6, 7, 13, 2], 24],
    [[5, 5, 5, 1], 24],
  ];
  it.each(cases)('matches brute force for %j → %i', (numbers, target) => {
    const solutions = countdownSolutions(problem(numbers, target));
    expect(solutions.length).toBeGreaterThan(0);
    expect(new Set(solutions)).toEqual(bruteForceSolutions(numbers, target));
  });

  it('matches brute force on random generated prompts, and every solution scores 1', () => {
    const cfg = { ...countdown.defaults, count: 3, maxNumber: 12 };
    for (let i = 0; i < 12; i++) {
      const p = countdown.generate(cfg, 'train', 5, i);
      const solutions = countdownSolutions(p);
      expect(new Set(solutions)).toEqual(bruteForceSolutions(p.numbers, p.target));
      for (const s of solutions) expect(countdown.score(p, s)).toBe(1);
    }
  });

  it('generated prompts have at least minSolutions solutions and a target in range', () => {
    const cfg = { ...countdown.defaults, minSolutions: 5, minTarget: 20, maxTarget: 60 };
    for (let i = 0; i < 20; i++) {
      const p = countdown.generate(cfg, i % 2 ? 'eval' : 'train', 9, i);
      expect(countdown.solutions!(p)!.length).toBeGreaterThanOrEqual(5);
      expect(p.target).toBeGreaterThanOrEqual(20);
      expect(p.target).toBeLessThanOrEqual(60);
      expect(p.numbers.every((n) => n >= 1 && n <= cfg.maxNumber)).toBe(true);
    }
  });

  it('equal canonical forms always mean equal values (random expressions)', () => {
    const rng = new Rng(3);
    const byCanon = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const order = rng.shuffle([1, 2, 3, 5].slice(0, 2 + rng.int(3)));
      const all = trees(order);
      const t = all[rng.int(all.length)];
      const canon = formOf(parseExpr(fullyParenthesised(t))!).canon;
      const v = floatValue(t);
      if (byCanon.has(canon) && Number.isFinite(v)) expect(byCanon.get(canon)).toBeCloseTo(v, 9);
      else if (Number.isFinite(v)) byCanon.set(canon, v);
    }
    expect(byCanon.size).toBeGreaterThan(100);
  });

  it('the split key ignores the order of the numbers', () => {
    expect(countdownKey({ numbers: [7, 3, 5], target: 1 })).toBe(countdownKey({ numbers: [3, 5, 7], target: 1 }));
  });
});
