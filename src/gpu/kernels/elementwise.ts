import { type GpuContext, u32 } from '../context';
import type { Tensor } from '../tensor';

const WG = 256;

/** out = a + b, elementwise (out may alias neither input). */
export function add(ctx: GpuContext, a: Tensor, b: Tensor, out: Tensor): void {
  if (a.size !== b.size || a.size !== out.size) throw new Error(`add: sizes ${a.size}, ${b.size} → ${out.size}`);
  ctx.dispatch({ shader: 'elementwise', entry: 'add' }, [a, b, out], [u32(a.size)], Math.ceil(a.size / WG));
}
