import { type GpuContext, u32 } from '../context';
import type { Tensor } from '../tensor';

const WG = 256;

function sameSizes(what: string, ...ts: Tensor[]): void {
  if (ts.some((t) => t.size !== ts[0].size)) throw new Error(`${what}: sizes ${ts.map((t) => t.size).join(', ')} differ`);
}

/** Dispatches `entry` over n elements, four per invocation (entry_vec4) when n allows. */
function elementwise(ctx: GpuContext, entry: string, bindings: Tensor[], n: number): void {
  const vec4 = n % 4 === 0;
  const count = vec4 ? n / 4 : n;
  ctx.dispatch({ shader: 'elementwise', entry: vec4 ? `${entry}_vec4` : entry }, bindings, { n: u32(count) }, Math.ceil(count / WG));
}

/** out = a + b, elementwise (out may alias neither input). */
export function add(ctx: GpuContext, a: Tensor, b: Tensor, out: Tensor): void {
  if (a.size !== b.size || a.size !== out.size) throw new Error(`add: sizes ${a.size}, ${b.size} → ${out.size}`);
  elementwise(ctx, 'add', [a, b, out], a.size);
}

/** out = GELU(x), tanh approximation (out must not alias x). */
export function gelu(ctx: GpuContext, x: Tensor, out: Tensor): void {
  sameSizes('gelu', x, out);
  elementwise(ctx, 'gelu', [x, out], x.size);
}

/** dx = dout · GELU'(x). dx must live in another buffer than x and dout: WebGPU forbids binding one buffer read-only and writable at once. */
export function geluBackward(ctx: GpuContext, x: Tensor, dout: Tensor, dx: Tensor): void {
  sameSizes('geluBackward', x, dout, dx);
  elementwise(ctx, 'gelu_backward', [x, dout, dx], x.size);
}
