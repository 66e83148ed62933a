// Random RL batches shared by the loss tests: S = P·G rows of T predicting
// positions, with a contiguous completion span per row (some rows empty).

import { Rng } from '../util/rng';

export interface RandomBatch {
  P: number;
  G: number;
  S: number;
  T: number;
  logp: Float32Array;
  oldLogp: Float32Array;
  refLogp: Float32Array;
  vmean: Float32Array;
  oldVmean: Float32Array;
  entropy: Float32Array;
  mask: Float32Array;
  rewards: Float32Array;
}

export function randomBatch(P: number, G: number, T: number, seed: number, drift = 0.3): RandomBatch {
  const rng = new Rng(seed, 21);
  const S = P * G;
  const n = S * T;
  const mask = new Float32Array(n);
  for (let s = 0; s < S; s++) {
    const start = rng.int(Math.max(1, Math.floor(T / 2)));
    const length = rng.float() < 0.1 ? 0 : 1 + rng.int(T - start);
    for (let t = start; t < Math.min(T, start + length); t++) mask[s * T + t] = 1;
  }
  const logp = Float32Array.from({ length: n }, () => Math.log(0.02 + 0.98 * rng.float()));
  const near = (base: Float32Array) => Float32Array.from(base, (v) => v + drift * rng.normal());
  const vmean = Float32Array.from({ length: n }, () => -3 - rng.float());
  return {
    P, G, S, T, mask, logp,
    oldLogp: near(logp),
    refLogp: near(logp),
    vmean,
    oldVmean: near(vmean),
    entropy: Float32Array.from({ length: n }, () => 2 * rng.float()),
    rewards: Float32Array.from({ length: S }, () => rng.int(3) / 2),
  };
}

export function randomKeep(n: number, seed: number, p = 0.6): Float32Array {
  const rng = new Rng(seed, 5);
  return Float32Array.from({ length: n }, () => (rng.float() < p ? 1 : 0));
}
