// Countdown expressions: parsing, exact rational evaluation, the canonical
// form used to count equivalent solutions once, and enumeration of every
// canonical expression over a multiset of numbers.
//
// Canonical form: + and − are flattened into one signed sum, * and / into one
// product with numerator and denominator factors, and the children of each are
// sorted. So a+b ≡ b+a, (a+b)+c ≡ a+(b+c), a−(b−c) ≡ a−b+c and a/(b/c) ≡ a*c/b,
// while structurally different solutions such as (a−b)*c and (b−a)*… stay apart.
// The canonical string is itself a valid expression of the same value.

import type { Rng } from '../util/rng';

export type Op = '+' | '-' | '*' | '/';

export type Expr = { kind: 'num'; text: string } | { kind: 'bin'; op: Op; left: Expr; right: Expr };

/** Deepest parenthesis nesting the parser follows before calling the input garbage. */
const MAX_DEPTH = 32;
/** Longest literal accepted; longer ones cannot be among the given numbers. */
const MAX_LITERAL_DIGITS = 6;

/** Parses `expr := term (('+'|'-') term)*`, `term := factor (('*'|'/') factor)*`, `factor := number | '(' expr ')'`. */
export function parseExpr(text: string): Expr | null {
  let pos = 0;
  let depth = 0;
  const peek = () => text[pos];

  function factor(): Expr | null {
    const ch = peek();
    if (ch === '(') {
      if (++depth > MAX_DEPTH) return null;
      pos++;
      const inner = sum();
      if (inner === null || peek() !== ')') return null;
      pos++;
      depth--;
      return inner;
    }
    const start = pos;
    while (pos < text.length && text[pos] >= '0' && text[pos] <= '9') pos++;
    const literal = text.slice(start, pos);
    if (literal.length === 0 || literal.length > MAX_LITERAL_DIGITS) return null;
    if (literal.length > 1 && literal[0] === '0') return null;
    return { kind: 'num', text: literal };
  }

  function chain(next: () => Expr | null, ops: readonly Op[]): Expr | null {
    let left = next();
    while (left !== null && ops.includes(peek() as Op)) {
      const op = text[pos++] as Op;
      const right = next();
      if (right === null) return null;
      left = { kind: 'bin', op, left, right };
    }
    return left;
  }

  const product = () => chain(factor, ['*', '/']);
  const sum = (): Expr | null => chain(product, ['+', '-']);

  const root = sum();
  return root !== null && pos === text.length ? root : null;
}

export function literals(e: Expr, out: number[] = []): number[] {
  if (e.kind === 'num') out.push(Number(e.text));
  else {
    literals(e.left, out);
    literals(e.right, out);
  }
  return out;
}

// ---- exact rationals (numerator, positive denominator, lowest terms) ----
// Operands are at most 5 numbers below 100, so numerators and denominators stay
// far below 2^53 and plain doubles are exact.

export interface Rational {
  n: number;
  d: number;
}

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function rational(n: number, d: number): Rational | null {
  if (d === 0) return null;
  const g = gcd(n, d) || 1;
  const s = d < 0 ? -1 : 1;
  return { n: (s * n) / g, d: (s * d) / g };
}

export function applyOp(op: Op, a: Rational, b: Rational): Rational | null {
  switch (op) {
    case '+':
      return rational(a.n * b.d + b.n * a.d, a.d * b.d);
    case '-':
      return rational(a.n * b.d - b.n * a.d, a.d * b.d);
    case '*':
      return rational(a.n * b.n, a.d * b.d);
    case '/':
      return rational(a.n * b.d, a.d * b.n);
  }
}

/** Exact value; null when some division is by zero. */
export function evaluate(e: Expr): Rational | null {
  if (e.kind === 'num') return { n: Number(e.text), d: 1 };
  const a = evaluate(e.left);
  const b = a && evaluate(e.right);
  return a && b && applyOp(e.op, a, b);
}

// ---- canonical forms ----

export type Form =
  | { kind: 'num'; canon: string }
  | { kind: 'sum' | 'prod'; canon: string; pos: Form[]; neg: Form[] };

const byCanon = (a: Form, b: Form) => (a.canon < b.canon ? -1 : a.canon > b.canon ? 1 : 0);

/** As a factor of a product, a sum needs parentheses. */
const asFactor = (f: Form) => (f.kind === 'sum' ? `(${f.canon})` : f.canon);

function mergeSorted(a: Form[], b: Form[]): Form[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: Form[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(byCanon(a[i], b[j]) <= 0 ? a[i++] : b[j++]);
  while (i < a.length) out.push(a[i++]);
  while (j < b.length) out.push(b[j++]);
  return out;
}

function parts(f: Form, kind: 'sum' | 'prod'): { pos: Form[]; neg: Form[] } {
  return f.kind === kind ? { pos: f.pos, neg: f.neg } : { pos: [f], neg: [] };
}

export function numberForm(value: number): Form {
  return { kind: 'num', canon: String(value) };
}

export function combine(op: Op, a: Form, b: Form): Form {
  const kind = op === '+' || op === '-' ? 'sum' : 'prod';
  const pa = parts(a, kind);
  const pb = parts(b, kind);
  const invert = op === '-' || op === '/';
  const pos = mergeSorted(pa.pos, invert ? pb.neg : pb.pos);
  const neg = mergeSorted(pa.neg, invert ? pb.pos : pb.neg);
  const canon =
    kind === 'sum'
      ? pos.map((t) => t.canon).join('+') + neg.map((t) => `-${t.canon}`).join('')
      : pos.map(asFactor).join('*') + neg.map((t) => `/${asFactor(t)}`).join('');
  return { kind, canon, pos, neg };
}

export function formOf(e: Expr): Form {
  return e.kind === 'num' ? numberForm(Number(e.text)) : combine(e.op, formOf(e.left), formOf(e.right));
}

/**
 * An expression equivalent to `f` with its commutative children shuffled, so
 * that demonstrations of one solution do not always read the same.
 */
export function renderShuffled(f: Form, rng: Rng): string {
  if (f.kind === 'num') return f.canon;
  const [plus, minus] = f.kind === 'sum' ? ['+', '-'] : ['*', '/'];
  const child = (c: Form) => (f.kind === 'prod' && c.kind === 'sum' ? `(${renderShuffled(c, rng)})` : renderShuffled(c, rng));
  const pos = rng.shuffle(f.pos).map((c) => ({ sign: plus, text: child(c) }));
  const neg = rng.shuffle(f.neg).map((c) => ({ sign: minus, text: child(c) }));
  // The first child must carry the positive sign; the rest interleave freely.
  const rest = rng.shuffle([...pos.slice(1), ...neg]);
  return pos[0].text + rest.map((t) => t.sign + t.text).join('');
}

/** A random expression tree over `numbers` (each used once), written with minimal parentheses. */
export function randomExpr(numbers: readonly number[], rng: Rng): Expr {
  const pool: Expr[] = rng.shuffle(numbers).map((n) => ({ kind: 'num', text: String(n) }));
  const ops: Op[] = ['+', '-', '*', '/'];
  while (pool.length > 1) {
    const left = pool.splice(rng.int(pool.length), 1)[0];
    const right = pool.splice(rng.int(pool.length), 1)[0];
    pool.push({ kind: 'bin', op: rng.pick(ops), left, right });
  }
  return pool[0];
}

const isAdditive = (e: Expr) => e.kind === 'bin' && (e.op === '+' || e.op === '-');

export function renderExpr(e: Expr): string {
  if (e.kind === 'num') return e.text;
  const multiplicative = e.op === '*' || e.op === '/';
  const leftParens = multiplicative && isAdditive(e.left);
  const rightParens =
    e.right.kind === 'bin' && (e.op === '/' || (multiplicative && isAdditive(e.right)) || (e.op === '-' && isAdditive(e.right)));
  const wrap = (s: string, p: boolean) => (p ? `(${s})` : s);
  return wrap(renderExpr(e.left), leftParens) + e.op + wrap(renderExpr(e.right), rightParens);
}

// ---- enumeration ----

export interface Solution {
  form: Form;
  value: Rational;
}

/**
 * Every canonical expression using each of `numbers` exactly once whose value
 * passes `accept`, keyed by its canonical string. Built bottom-up over subsets:
 * the expressions of a subset are all ways of combining the expressions of a
 * split of it into two parts. `accept` filters only the full set, before its
 * canonical forms are built (the costly part).
 */
export function enumerateExpressions(numbers: readonly number[], accept: (v: Rational) => boolean = () => true): Map<string, Solution> {
  const n = numbers.length;
  const full = (1 << n) - 1;
  const bySubset: Map<string, Solution>[] = new Array(full + 1);
  for (let i = 0; i < n; i++) {
    const form = numberForm(numbers[i]);
    bySubset[1 << i] = new Map([[form.canon, { form, value: { n: numbers[i], d: 1 } }]]);
  }
  const masks = Array.from({ length: full }, (_, i) => i + 1).sort((a, b) => popcount(a) - popcount(b) || a - b);
  for (const mask of masks) {
    if (popcount(mask) < 2) continue;
    const out = new Map<string, Solution>();
    const lowest = mask & -mask;
    // Each unordered split once: the part holding the lowest bit goes left, and both orders are applied below.
    for (let left = (mask - 1) & mask; left > 0; left = (left - 1) & mask) {
      if ((left & lowest) === 0) continue;
      for (const a of bySubset[left].values()) {
        for (const b of bySubset[mask ^ left].values()) {
          for (const [op, x, y] of [['+', a, b], ['*', a, b], ['-', a, b], ['-', b, a], ['/', a, b], ['/', b, a]] as const) {
            const value = applyOp(op, x.value, y.value);
            if (value === null || (mask === full && !accept(value))) continue;
            const form = combine(op, x.form, y.form);
            if (!out.has(form.canon)) out.set(form.canon, { form, value });
          }
        }
      }
    }
    bySubset[mask] = out;
  }
  return bySubset[full];
}

function popcount(x: number): number {
  let c = 0;
  for (; x; x &= x - 1) c++;
  return c;
}
