import { type GpuContext, u32 } from '../gpu/context';
import type { Tensor } from '../gpu/tensor';

/** Names of the four sums rolloutStats writes. */
export const ROLLOUT_STATS = ['tokens', 'entropy_sum', 'kl_sum', 'nll_sum'] as const;

/**
 * out[4] = [Σm, Σm·H, Σm·k3, Σm·(−log π_old)] over [S, T] tokens, where
 * k3 = exp(q) − q − 1 with q = log π_ref − log π_old: the sampling policy's
 * entropy and its KL to the frozen base, whatever the algorithm.
 */
export function rolloutStats(ctx: GpuContext, oldLogp: Tensor, refLogp: Tensor, entropy: Tensor, mask: Tensor, out: Tensor): void {
  const n = mask.size;
  for (const t of [oldLogp, refLogp, entropy]) if (t.size !== n) throw new Error(`rolloutStats: ${t.size} values for ${n} tokens`);
  if (out.size < 4) throw new Error('rolloutStats: out needs 4 elements');
  ctx.dispatch({ shader: 'rollout', entry: 'rollout_stats' }, [oldLogp, refLogp, entropy, mask, out], { n: u32(n) }, 1);
}

/** The same sums in float64 on the CPU (the reference the kernel is tested against). */
export function rolloutStatsRef(oldLogp: ArrayLike<number>, refLogp: ArrayLike<number>, entropy: ArrayLike<number>, mask: ArrayLike<number>): number[] {
  const s = [0, 0, 0, 0];
  for (let i = 0; i < mask.length; i++) {
    const m = mask[i];
    if (m === 0) continue;
    const q = refLogp[i] - oldLogp[i];
    s[0] += m;
    s[1] += m * entropy[i];
    s[2] += m * (Math.exp(q) - q - 1);
    s[3] -= m * oldLogp[i];
  }
  return s;
}
