// Plain reductions over the rows of x [R, L], accumulated in float64.

export type ReduceOp = 'sum' | 'mean' | 'var' | 'max';

function reduceSpan(x: ArrayLike<number>, start: number, count: number, op: ReduceOp): number {
  if (op === 'max') {
    let m = -Infinity;
    for (let i = 0; i < count; i++) m = Math.max(m, x[start + i]);
    return m;
  }
  let sum = 0;
  for (let i = 0; i < count; i++) sum += x[start + i];
  if (op === 'sum') return sum;
  const mean = sum / count;
  if (op === 'mean') return mean;
  let m2 = 0;
  for (let i = 0; i < count; i++) m2 += (x[start + i] - mean) ** 2;
  return m2 / count;
}

/** out[r] = op over x[r, 0..L); var is the population variance. */
export function reduceRowsRef(x: ArrayLike<number>, R: number, L: number, op: ReduceOp): Float32Array {
  const out = new Float32Array(R);
  for (let r = 0; r < R; r++) out[r] = reduceSpan(x, r * L, L, op);
  return out;
}

/** op over every element of x. */
export function reduceAllRef(x: ArrayLike<number>, op: ReduceOp): number {
  return reduceSpan(x, 0, x.length, op);
}

/** Σ x², in float64. */
export function sumOfSquaresRef(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
}
