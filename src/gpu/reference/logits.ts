// Per-token statistics of logits [N, V] and their gradients, in float64.
// z = logits / τ, lsm = log_softmax(z), p = softmax(z), all over the row's
// support: the entries above EXCLUDED_LOGIT / 2. An excluded entry has
// probability exactly 0, is left out of vmean's average, and is a constant
// (no gradient flows into it). The policy's output bias puts PAD and BOS
// there, so training scores the same distribution the sampler draws from.

/** Added to a logit to take its token out of the distribution: finite (WGSL may assume no infinities), yet far below any real logit. */
export const EXCLUDED_LOGIT = -1e30;

/** Logits at or below this are outside the support: half of EXCLUDED_LOGIT, so a real logit plus EXCLUDED_LOGIT still counts as excluded. */
export const SUPPORT_FLOOR = EXCLUDED_LOGIT / 2;

export function isExcludedLogit(x: number): boolean {
  return x <= SUPPORT_FLOOR;
}

interface RowSoftmax {
  /** log-softmax of the row, float64. */
  lsm: Float64Array;
  /** softmax of the row, float64 (0 outside the support). */
  prob: Float64Array;
  /** Whether each entry is in the support. */
  inSupport: boolean[];
  /** Entries in the support. */
  count: number;
}

function rowSoftmax(logits: ArrayLike<number>, row: number, V: number, temperature: number): RowSoftmax {
  const lsm = new Float64Array(V);
  const prob = new Float64Array(V);
  const inSupport = Array.from({ length: V }, (_, v) => !isExcludedLogit(logits[row * V + v]));
  let zmax = -Infinity;
  for (let v = 0; v < V; v++) if (inSupport[v]) zmax = Math.max(zmax, logits[row * V + v] / temperature);
  let s = 0;
  for (let v = 0; v < V; v++) if (inSupport[v]) s += Math.exp(logits[row * V + v] / temperature - zmax);
  const lse = zmax + Math.log(s);
  for (let v = 0; v < V; v++) {
    lsm[v] = logits[row * V + v] / temperature - lse;
    prob[v] = inSupport[v] ? Math.exp(lsm[v]) : 0;
  }
  return { lsm, prob, inSupport, count: inSupport.filter(Boolean).length };
}

/** logitStatsRef in float64 throughout (for finite-difference checks). */
export function logitStatsRef64(
  logits: ArrayLike<number>,
  targets: ArrayLike<number>,
  N: number,
  V: number,
  temperature: number,
): { logp: Float64Array; entropy: Float64Array; vmean: Float64Array } {
  const logp = new Float64Array(N), entropy = new Float64Array(N), vmean = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    const { lsm, prob, inSupport, count } = rowSoftmax(logits, n, V, temperature);
    let h = 0, mean = 0;
    for (let v = 0; v < V; v++) {
      if (!inSupport[v]) continue;
      h -= prob[v] * lsm[v];
      mean += lsm[v];
    }
    logp[n] = lsm[targets[n]];
    entropy[n] = h;
    vmean[n] = mean / count;
  }
  return { logp, entropy, vmean };
}

/** logp[n] = lsm[n, target[n]], entropy[n] = −Σ_v p·lsm, vmean[n] = mean of lsm[n, v] over the support. */
export function logitStatsRef(
  logits: ArrayLike<number>,
  targets: ArrayLike<number>,
  N: number,
  V: number,
  temperature: number,
): { logp: Float32Array; entropy: Float32Array; vmean: Float32Array } {
  const r = logitStatsRef64(logits, targets, N, V, temperature);
  return { logp: Float32Array.from(r.logp), entropy: Float32Array.from(r.entropy), vmean: Float32Array.from(r.vmean) };
}

/**
 * dlogits [N, V] from per-token gradients of logp, entropy and vmean (absent = 0):
 *   ∂logp/∂z_v = δ_vt − p_v,  ∂vmean/∂z_v = 1/|S| − p_v,  ∂H/∂z_v = −p_v (lsm_v + H),  and ∂z/∂logits = 1/τ,
 * for v in the support S; 0 for excluded entries.
 */
export function logitStatsBackwardRef(
  logits: ArrayLike<number>,
  targets: ArrayLike<number>,
  N: number,
  V: number,
  temperature: number,
  dlogp?: ArrayLike<number>,
  dentropy?: ArrayLike<number>,
  dvmean?: ArrayLike<number>,
): Float32Array {
  const dlogits = new Float32Array(N * V);
  for (let n = 0; n < N; n++) {
    const { lsm, prob, inSupport, count } = rowSoftmax(logits, n, V, temperature);
    let h = 0;
    for (let v = 0; v < V; v++) if (inSupport[v]) h -= prob[v] * lsm[v];
    const gLogp = dlogp?.[n] ?? 0, gEnt = dentropy?.[n] ?? 0, gMean = dvmean?.[n] ?? 0;
    for (let v = 0; v < V; v++) {
      if (!inSupport[v]) continue;
      const onehot = v === targets[n] ? 1 : 0;
      const dz = gLogp * (onehot - prob[v]) + gMean * (1 / count - prob[v]) - gEnt * prob[v] * (lsm[v] + h);
      dlogits[n * V + v] = dz / temperature;
    }
  }
  return dlogits;
}

/** Mean cross-entropy over unmasked rows, loss = Σ mask·(−logp) / Σ mask, and its gradient w.r.t. the logits. */
export function crossEntropyRef(
  logits: ArrayLike<number>,
  targets: ArrayLike<number>,
  mask: ArrayLike<number>,
  N: number,
  V: number,
): { loss: number; dlogits: Float32Array } {
  let total = 0;
  for (let n = 0; n < N; n++) total += mask[n];
  const dlogits = new Float32Array(N * V);
  if (total <= 0) return { loss: 0, dlogits };
  let loss = 0;
  for (let n = 0; n < N; n++) {
    const { lsm, prob, inSupport } = rowSoftmax(logits, n, V, 1);
    if (mask[n] !== 0) loss -= mask[n] * lsm[targets[n]];
    const scale = mask[n] / total;
    for (let v = 0; v < V; v++) if (inSupport[v]) dlogits[n * V + v] = scale * (prob[v] - (v === targets[n] ? 1 : 0));
  }
  return { loss: loss / total, dlogits };
}
