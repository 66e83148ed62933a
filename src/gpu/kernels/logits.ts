// Per-token log-prob, entropy and vocabulary-mean log-softmax of logits [N, V]
// (forward and backward), and masked cross-entropy. One invocation per row.

import { type GpuContext, type KernelRef, f32, u32 } from '../context';
import type { Tensor } from '../tensor';
import { reduceAll } from './reduce';

const ROWS_PER_WORKGROUP = 64;

function kernel(entry: string): KernelRef {
  return { shader: 'logits', entry };
}

function check(name: string, logits: Tensor, targets: Tensor, N: number, V: number, temperature: number): void {
  if (logits.size < N * V) throw new Error(`${name}: logits has ${logits.size} elements, need ${N}×${V}`);
  if (targets.size < N || targets.dtype !== 'u32') throw new Error(`${name}: targets must be u32 [${N}]`);
  if (!(temperature > 0)) throw new Error(`${name}: temperature must be > 0, got ${temperature}`);
  if (V < 1) throw new Error(`${name}: empty vocabulary`);
}

/** logp[n] = lsm[n, target[n]], entropy[n] = −Σ p·lsm, vmean[n] = mean_v lsm[n, v], with z = logits / temperature. */
export function logitStats(ctx: GpuContext, logits: Tensor, targets: Tensor, logp: Tensor, entropy: Tensor, vmean: Tensor, N: number, V: number, temperature: number): void {
  check('logitStats', logits, targets, N, V, temperature);
  if (N === 0) return;
  ctx.dispatch(kernel('logit_stats'), [logits, targets, logp, entropy, vmean], { rows: u32(N), vocab: u32(V), inv_tau: f32(1 / temperature), grad_mask: u32(0) }, Math.ceil(N / ROWS_PER_WORKGROUP));
}

/** dlogits [N, V] from per-token gradients of logp, entropy and vmean; absent ones count as zero. */
export function logitStatsBackward(
  ctx: GpuContext,
  logits: Tensor,
  targets: Tensor,
  dlogits: Tensor,
  N: number,
  V: number,
  temperature: number,
  grads: { dlogp?: Tensor; dentropy?: Tensor; dvmean?: Tensor },
): void {
  check('logitStatsBackward', logits, targets, N, V, temperature);
  if (N === 0) return;
  const { dlogp, dentropy, dvmean } = grads;
  const mask = (dlogp ? 1 : 0) | (dentropy ? 2 : 0) | (dvmean ? 4 : 0);
  // Absent gradients bind the (read-only) logits in their place; the kernel skips them by the mask.
  const bindings = [logits, targets, dlogp ?? logits, dentropy ?? logits, dvmean ?? logits, dlogits];
  ctx.dispatch(kernel('logit_stats_backward'), bindings, { rows: u32(N), vocab: u32(V), inv_tau: f32(1 / temperature), grad_mask: u32(mask) }, Math.ceil(N / ROWS_PER_WORKGROUP));
}

/** losses[n] = −mask[n]·logp[n]; dlogits = gradient of Σ losses / Σ mask (the caller sums losses for the loss). */
export function crossEntropy(ctx: GpuContext, logits: Tensor, targets: Tensor, mask: Tensor, losses: Tensor, dlogits: Tensor, N: number, V: number): void {
  check('crossEntropy', logits, targets, N, V, 1);
  if (N === 0) return;
  const maskSum = ctx.tensor([1]);
  reduceAll(ctx, mask.size === N ? mask : mask.view([N]), maskSum, 'sum');
  ctx.dispatch(kernel('cross_entropy'), [logits, targets, mask, maskSum, losses, dlogits], { rows: u32(N), vocab: u32(V), inv_tau: f32(1), grad_mask: u32(0) }, Math.ceil(N / ROWS_PER_WORKGROUP));
  maskSum.dispose();
}
