import { type GpuContext, u32 } from '../context';
import type { Tensor } from '../tensor';

const WG = 256;

function sameSizes(what: string, ...ts: Tensor[]): void {
  if (ts.some((t) => t.size !== ts[0].size)) throw new Error(`${what}: sizes ${ts.map((t) => t.size).join(', ')} differ`);
}

/** out = a + b, elementwise (out may alias neither input). */
export function add(ctx: GpuContext, a: Tensor, b: Tensor, out: Tensor): void {
  if (a.size !== b.size || a.size !== out.size) throw new Error(`add: sizes ${a.size}, ${b.size} → ${out.size}`);
  ctx.dispatch({ shader: 'elementwise', entry: 'add' }, [a, b, out], [u32(a.size)], Math.ceil(a.size / WG));
}

/** out = GELU(x), tanh approximation (out must not alias x). */
export function gelu(ctx: GpuContext, x: Tensor, out: Tensor): void {
  sameSizes('gelu', x, out);
  ctx.dispatch({ shader: 'elementwise', entry: 'gelu' }, [x, out], [u32(x.size)], Math.ceil(x.size / WG));
}

/** dx = dout · GELU'(x). dx must live in another buffer than x and dout: WebGPU forbids binding one buffer read-only and writable at once. */
export function geluBackward(ctx: GpuContext, x: Tensor, dout: Tensor, dx: Tensor): void {
  sameSizes('geluBackward', x, dout, dx);
  ctx.dispatch({ shader: 'elementwise', entry: 'gelu_backward' }, [x, dout, dx], [u32(x.size)], Math.ceil(x.size / WG));
}
