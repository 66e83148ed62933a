export function addRef(a: ArrayLike<number>, b: ArrayLike<number>): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
  return out;
}

const GELU_SCALE = Math.sqrt(2 / Math.PI);
const GELU_CUBIC = 0.044715;

/** GPT-2's tanh-approximation GELU of one value, in float64. */
export function gelu64(x: number): number {
  return 0.5 * x * (1 + Math.tanh(GELU_SCALE * (x + GELU_CUBIC * x * x * x)));
}

/** d GELU(x) / dx, in float64. */
export function geluDerivative64(x: number): number {
  const t = Math.tanh(GELU_SCALE * (x + GELU_CUBIC * x * x * x));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_SCALE * (1 + 3 * GELU_CUBIC * x * x);
}

export function geluRef(x: ArrayLike<number>): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = gelu64(x[i]);
  return out;
}

export function geluBackwardRef(x: ArrayLike<number>, dout: ArrayLike<number>): Float32Array {
  const dx = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) dx[i] = dout[i] * geluDerivative64(x[i]);
  return dx;
}
