// pass@k from n samples of which c are correct (Chen et al. 2021), averaged
// over prompts. The unbiased estimator asks: if k of the n samples were drawn
// without replacement, how likely is at least one of them correct? Reading
// "any correct among the first k" instead depends on sample order and is
// biased, so it never appears here.

function assertCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new Error(`passAtK: ${name} must be a non-negative integer, got ${value}`);
}

/**
 * 1 − C(n−c, k)/C(n, k), computed as 1 − Π_{j=n−c+1}^{n} (1 − k/j): the ratio of
 * binomials would overflow long before n reaches realistic sample counts.
 */
export function passAtK(n: number, c: number, k: number): number {
  assertCount('n', n);
  assertCount('c', c);
  assertCount('k', k);
  if (c > n) throw new Error(`passAtK: c = ${c} correct exceeds n = ${n} samples`);
  if (k < 1) throw new Error(`passAtK: k must be ≥ 1, got ${k}`);
  if (k > n) throw new Error(`passAtK: k = ${k} exceeds n = ${n} samples; draw at least k samples per prompt`);
  // Every k-subset contains a correct sample.
  if (n - c < k) return 1;
  let allWrong = 1;
  for (let j = n - c + 1; j <= n; j++) allWrong *= 1 - k / j;
  return 1 - allWrong;
}

export interface PromptCounts {
  /** Samples drawn for the prompt. */
  n: number;
  /** Of those, how many were verified correct. */
  c: number;
}

export interface PassAtKPoint {
  k: number;
  passAtK: number;
}

/** The measured pass@k at `k` in a list of `{ k, value }` points (an eval row's `passAtK`); undefined when k was not measured. */
export function passAtKOf(points: readonly { k: number; value: number }[], k: number): number | undefined {
  return points.find((p) => p.k === k)?.value;
}

/** 1, 2, 4, … up to n, the k values a pass@k curve is usually drawn at. */
export function powersOfTwoUpTo(n: number): number[] {
  const ks: number[] = [];
  for (let k = 1; k <= n; k *= 2) ks.push(k);
  return ks;
}

/**
 * Mean pass@k over prompts at each k. The default ks are the powers of two up
 * to the smallest per-prompt n, so every prompt supports every k.
 */
export function passAtKCurve(perPrompt: readonly PromptCounts[], ks?: readonly number[]): PassAtKPoint[] {
  if (perPrompt.length === 0) throw new Error('passAtKCurve: no prompts');
  const ksUsed = ks ?? powersOfTwoUpTo(Math.min(...perPrompt.map((p) => p.n)));
  return ksUsed.map((k) => {
    let sum = 0;
    for (const { n, c } of perPrompt) sum += passAtK(n, c, k);
    return { k, passAtK: sum / perPrompt.length };
  });
}
