// Per-token statistics of logits [N, V] and their gradients, in float64.
// z = logits / τ, lsm = log_softmax(z), p = softmax(z).

interface RowSoftmax {
  /** log-softmax of the row, float64. */
  lsm: Float64Array;
  /** softmax of the row, float64. */
  prob: Float64Array;
}

function rowSoftmax(logits: ArrayLike<number>, row: number, V: number, temperature: number): RowSoftmax {
  const lsm = new Float64Array(V);
  const prob = new Float64Array(V);
  let zmax = -Infinity;
  for (let v = 0; v < V; v++) zmax = Math.max(zmax, logits[row * V + v] / temperature);
  let s = 0;
  for (let v = 0; v < V; v++) s += Math.exp(logits[row * V + v] / temperature - zmax);
  const lse = zmax + Math.log(s);
  for (let v = 0; v < V; v++) {
    lsm[v] = logits[row * V + v] / temperature - lse;
    prob[v] = Math.exp(lsm[v]);
  }
  return { lsm, prob };
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
    const { lsm, prob } = rowSoftmax(logits, n, V, temperature);
    let h = 0, mean = 0;
    for (let v = 0; v < V; v++) {
      h -= prob[v] * lsm[v];
      mean += lsm[v];
    }
    logp[n] = lsm[targets[n]];
    entropy[n] = h;
    vmean[n] = mean / V;
  }
  return { logp, entropy, vmean };
}

/** logp[n] = lsm[n, target[n]], entropy[n] = −Σ_v p·lsm, vmean[n] = (1/V) Σ_v lsm[n, v]. */
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
 *   ∂logp/∂z_v = δ_vt − p_v,  ∂vmean/∂z_v = 1/V − p_v,  ∂H/∂z_v = −p_v (lsm_v + H),  and ∂z/∂logits = 1/τ.
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
    const { lsm, prob } = rowSoftmax(logits, n, V, temperature);
    let h = 0;
    for (let v = 0; v < V; v++) h -= prob[v] * lsm[v];
    const gLogp = dlogp?.[n] ?? 0, gEnt = dentropy?.[n] ?? 0, gMean = dvmean?.[n] ?? 0;
    for (let v = 0; v < V; v++) {
      const onehot = v === targets[n] ? 1 : 0;
      const dz = gLogp * (onehot - prob[v]) + gMean * (1 / V - prob[v]) - gEnt * prob[v] * (lsm[v] + h);
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
    const { lsm, prob } = rowSoftmax(logits, n, V, 1);
    loss -= mask[n] * lsm[targets[n]];
    const scale = mask[n] / total;
    for (let v = 0; v < V; v++) dlogits[n * V + v] = scale * (prob[v] - (v === targets[n] ? 1 : 0));
  }
  return { loss: loss / total, dlogits };
}
