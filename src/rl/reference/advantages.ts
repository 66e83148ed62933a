// Plain TypeScript reference for rl/advantages.ts (float64 throughout).

import type { AdvantageConfig, AdvantageMetrics } from '../advantages';
import { DEFAULT_ADVANTAGES } from '../advantages';

export function groupAdvantagesRef(
  rewards: ArrayLike<number>,
  groupSize: number,
  config: Partial<AdvantageConfig> = {},
): { advantages: Float64Array; metrics: AdvantageMetrics } {
  const cfg = { ...DEFAULT_ADVANTAGES, ...config };
  const S = rewards.length;
  const P = S / groupSize;
  const advantages = new Float64Array(S);
  let zeroStd = 0;
  let nonzero = 0;
  for (let p = 0; p < P; p++) {
    const group = Array.from({ length: groupSize }, (_, g) => rewards[p * groupSize + g]);
    const mean = group.reduce((a, r) => a + r, 0) / groupSize;
    const devSq = group.reduce((a, r) => a + (r - mean) ** 2, 0);
    const std = groupSize > 1 ? Math.sqrt(devSq / (groupSize - 1)) : 0;
    const allEqual = group.every((r) => r === group[0]);
    if (allEqual) zeroStd++;
    group.forEach((r, g) => {
      let a = r - mean;
      if (cfg.scale === 'group') a /= std + 1e-6;
      // Unbaselined ±1: a group of equal rewards still pushes.
      if (cfg.scale === 'reward') a = 2 * r - 1;
      else if (allEqual) a = 0;
      const kept = cfg.sign === 'both' || (cfg.sign === 'positive' && a > 0) || (cfg.sign === 'negative' && a < 0);
      if (!kept) a = 0;
      advantages[p * groupSize + g] = a;
      if (a !== 0) nonzero++;
    });
  }
  let sum = 0;
  for (let s = 0; s < S; s++) sum += rewards[s];
  const mean = sum / S;
  let dev = 0;
  for (let s = 0; s < S; s++) dev += (rewards[s] - mean) ** 2;
  return {
    advantages,
    metrics: {
      zero_std_groups: zeroStd,
      frac_reward_zero_std: zeroStd / P,
      reward_mean: mean,
      reward_std: Math.sqrt(dev / S),
      nonzero_advantages: nonzero,
    },
  };
}
