// Group-relative advantages (GRPO, D³S) and ROVER's centred reward, on the GPU.
// Math: docs/algorithms.md § Group advantage. Reference: reference/advantages.ts.

import { type GpuContext, u32 } from '../gpu/context';
import type { Tensor } from '../gpu/tensor';
import { defaultRunConfig } from './config';

/** "group": (r − mean)/(std + 1e-6), the default; "none": r − mean (Dr. GRPO); "reward": 2r − 1, no baseline (±1 REINFORCE, as PSR/NSR are defined in their paper). */
export type AdvantageScale = 'group' | 'none' | 'reward';
/** Which sequences keep their advantage (PSR/NSR): the others get A = 0. */
export type AdvantageSign = 'both' | 'positive' | 'negative';

export interface AdvantageConfig {
  scale: AdvantageScale;
  sign: AdvantageSign;
}

/** The run settings' defaults (src/rl/config.ts is their one source). */
export const DEFAULT_ADVANTAGES: AdvantageConfig = { scale: defaultRunConfig().advScale, sign: defaultRunConfig().polarity };

/** Layout of the metrics tensor written by groupAdvantages. */
export const ADVANTAGE_METRICS = ['zero_std_groups', 'frac_reward_zero_std', 'reward_mean', 'reward_std', 'nonzero_advantages'] as const;
export type AdvantageMetrics = Record<(typeof ADVANTAGE_METRICS)[number], number>;

const SIGN_CODE: Record<AdvantageSign, number> = { both: 0, positive: 1, negative: 2 };
const SCALE_CODE: Record<AdvantageScale, number> = { none: 0, group: 1, reward: 2 };

/**
 * advantages[s] for s = p·G + g from rewards [S = P·G]; metrics gets
 * ADVANTAGE_METRICS.length values (reward_std is the batch's population std).
 */
export function groupAdvantages(
  ctx: GpuContext,
  rewards: Tensor,
  groupSize: number,
  advantages: Tensor,
  metrics: Tensor,
  config: Partial<AdvantageConfig> = {},
): void {
  const cfg = { ...DEFAULT_ADVANTAGES, ...config };
  const S = rewards.size;
  if (!Number.isInteger(groupSize) || groupSize < 1 || S % groupSize !== 0 || S === 0) throw new Error(`groupAdvantages: ${S} rewards do not split into groups of ${groupSize}`);
  if (advantages.size !== S) throw new Error(`groupAdvantages: advantages has ${advantages.size} elements, rewards ${S}`);
  if (metrics.size < ADVANTAGE_METRICS.length) throw new Error(`groupAdvantages: metrics needs ${ADVANTAGE_METRICS.length} elements`);
  const params = { groups: u32(S / groupSize), group_size: u32(groupSize), scale: u32(SCALE_CODE[cfg.scale]), sign: u32(SIGN_CODE[cfg.sign]) };
  ctx.dispatch({ shader: 'advantages', entry: 'group_advantages' }, [rewards, advantages, metrics], params, 1);
}

/** Names the values of a metrics tensor read back from groupAdvantages. */
export function advantageMetrics(values: ArrayLike<number>): AdvantageMetrics {
  return Object.fromEntries(ADVANTAGE_METRICS.map((name, i) => [name, values[i]])) as AdvantageMetrics;
}
