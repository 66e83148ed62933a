// One AdamW step over the flat parameter array, in one dispatch. The clip
// factor is computed on the GPU from ‖g‖² (see sumOfSquares), so a training
// step never waits for a readback.

import { type GpuContext, f32, u32 } from '../context';
import { Tensor } from '../tensor';
import type { AdamWConfig } from '../reference/adamw';

export type { AdamWConfig } from '../reference/adamw';

const ELEMENTS_PER_WORKGROUP = 256 * 4;

/** The same memory bound as whole vec4s: pooled buffers are 256-byte multiples, so the padding exists. */
function asVec4(t: Tensor, name: string): Tensor {
  const padded = Math.ceil(t.size / 4) * 4;
  if (padded === t.size) return t;
  if (t.byteOffset + padded * 4 > t.buffer.size) throw new Error(`adamw: ${name} ends too close to its buffer's end to bind as vec4`);
  return new Tensor(t.buffer, [padded], t.dtype, t.byteOffset, null);
}

/** Updates params, m and v in place; gradNormSq [1] holds ‖g‖² of the (unclipped) gradients. */
export function adamw(ctx: GpuContext, params: Tensor, grads: Tensor, m: Tensor, v: Tensor, gradNormSq: Tensor, cfg: AdamWConfig): void {
  const n = params.size;
  if (grads.size !== n || m.size !== n || v.size !== n) throw new Error(`adamw: sizes params ${n}, grads ${grads.size}, m ${m.size}, v ${v.size}`);
  if (!(cfg.step >= 1)) throw new Error(`adamw: step is 1-based, got ${cfg.step}`);
  if (n === 0) return;
  const bc1 = 1 - cfg.beta1 ** cfg.step;
  const bc2 = 1 - cfg.beta2 ** cfg.step;
  const decayCount = Math.max(0, Math.min(n, cfg.decayCount));
  ctx.dispatch(
    { shader: 'adamw', entry: 'adamw' },
    [asVec4(params, 'params'), asVec4(grads, 'grads'), asVec4(m, 'm'), asVec4(v, 'v'), gradNormSq],
    {
      n: u32(n),
      decay_count: u32(decayCount),
      lr: f32(cfg.lr),
      beta1: f32(cfg.beta1),
      beta2: f32(cfg.beta2),
      eps: f32(cfg.eps),
      weight_decay: f32(cfg.weightDecay),
      max_grad_norm: f32(cfg.maxGradNorm),
      step_size: f32(cfg.lr / bc1),
      inv_sqrt_bc2: f32(1 / Math.sqrt(bc2)),
    },
    Math.ceil(n / ELEMENTS_PER_WORKGROUP),
  );
}
