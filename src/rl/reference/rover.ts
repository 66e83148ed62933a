// Plain TypeScript reference for rl/rover.ts, in float64.

import { DEFAULT_ROVER, type RoverConfig, type RoverMetrics } from '../rover';

export interface RoverBatch {
  S: number;
  T: number;
  logp: ArrayLike<number>;
  oldLogp: ArrayLike<number>;
  vmean: ArrayLike<number>;
  oldVmean: ArrayLike<number>;
  mask: ArrayLike<number>;
  centredRewards: ArrayLike<number>;
}

export function roverLossRef(batch: RoverBatch, config: Partial<RoverConfig> = {}): { dlogp: Float64Array; metrics: RoverMetrics } {
  const { rho } = { ...DEFAULT_ROVER, ...config };
  const { S, T, logp, oldLogp, vmean, oldVmean, mask, centredRewards } = batch;
  const dlogp = new Float64Array(S * T);
  let tokens = 0, sq = 0, qAbs = 0, qSum = 0, ySum = 0, vSum = 0;
  for (let s = 0; s < S; s++) {
    for (let t = 0; t < T; t++) {
      const i = s * T + t;
      const m = mask[i];
      if (m === 0) continue;
      const vNext = t + 1 < T && mask[i + 1] !== 0 ? rho * (vmean[i + 1] - oldVmean[i + 1]) : 0;
      const q = rho * (logp[i] - oldLogp[i]);
      const y = centredRewards[s] + vNext;
      dlogp[i] = m * 2 * rho * (q - y);
      tokens += m;
      sq += m * (q - y) ** 2;
      qAbs += m * Math.abs(q);
      qSum += m * q;
      ySum += m * y;
      vSum += m * vNext;
    }
  }
  const per = tokens > 0 ? 1 / tokens : 0;
  for (let i = 0; i < dlogp.length; i++) dlogp[i] *= per;
  return { dlogp, metrics: { loss: sq * per, q_abs_mean: qAbs * per, q_mean: qSum * per, target_mean: ySum * per, v_next_mean: vSum * per, tokens } };
}
