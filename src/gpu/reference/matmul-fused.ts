// Plain references for the fused matrix products (kernels/matmul-fused.ts),
// composed from the unfused references so each states what it replaces. The
// *64 forms keep float64 for finite-difference checks.

import { gelu64, geluDerivative64 } from './elementwise';
import { layernormForward64 } from './layernorm';
import { columnSumRef, matmul64, matmulRef } from './matmul';

/** y = gelu(x·Wᵀ + b) and pre = x·Wᵀ + b, in float64. */
export function matmulBiasGelu64(x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number>, M: number, K: number, N: number): { y: Float64Array; pre: Float64Array } {
  const pre = matmul64(x, w, M, K, N, 'nt').map((v, i) => v + bias[i % N]);
  return { y: pre.map(gelu64), pre };
}

export function matmulBiasGeluRef(x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number>, M: number, K: number, N: number): { y: Float32Array; pre: Float32Array } {
  const { y, pre } = matmulBiasGelu64(x, w, bias, M, K, N);
  return { y: Float32Array.from(y), pre: Float32Array.from(pre) };
}

/** y = r + x·Wᵀ + b. */
export function matmulBiasResidualRef(x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number>, residual: ArrayLike<number>, M: number, K: number, N: number): Float32Array {
  return matmulRef(x, w, M, K, N, 'nt', bias, residual);
}

/** dx = (dy·W) ⊙ gelu'(pre) with dy [M,K], W [K,N], pre [M,N], in float64. */
export function matmulGeluBackward64(dy: ArrayLike<number>, w: ArrayLike<number>, pre: ArrayLike<number>, M: number, K: number, N: number): Float64Array {
  return matmul64(dy, w, M, K, N, 'nn').map((g, i) => g * geluDerivative64(pre[i]));
}

export function matmulGeluBackwardRef(dy: ArrayLike<number>, w: ArrayLike<number>, pre: ArrayLike<number>, M: number, K: number, N: number): Float32Array {
  return Float32Array.from(matmulGeluBackward64(dy, w, pre, M, K, N));
}

/** dW [out,in] = dyᵀ·x and db [out] = Σ_rows dy, for dy [rows,out] and x [rows,in]. */
export function matmulWeightBiasGradRef(dy: ArrayLike<number>, x: ArrayLike<number>, rows: number, inDim: number, outDim: number): { dW: Float32Array; db: Float32Array } {
  return { dW: matmulRef(dy, x, outDim, rows, inDim, 'tn'), db: columnSumRef(dy, rows, outDim) };
}

export function matmulWeightBiasGrad64(dy: ArrayLike<number>, x: ArrayLike<number>, rows: number, inDim: number, outDim: number): { dW: Float64Array; db: Float64Array } {
  const db = new Float64Array(outDim);
  for (let r = 0; r < rows; r++) for (let o = 0; o < outDim; o++) db[o] += dy[r * outDim + o];
  return { dW: matmul64(dy, x, outDim, rows, inDim, 'tn'), db };
}

/** y = LN(x)·Wᵀ + b, through GELU when asked: x [M,K], the layer norm's w and b [K], W [N,K]. */
export function layernormMatmulRef(x: ArrayLike<number>, lnW: ArrayLike<number>, lnB: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number>, M: number, K: number, N: number, gelu = false): Float32Array {
  const { out } = layernormForward64(x, lnW, lnB, M, K);
  const pre = matmul64(out, w, M, K, N, 'nt').map((v, i) => v + bias[i % N]);
  return Float32Array.from(gelu ? pre.map(gelu64) : pre);
}

/** y = r + x·Wᵀ + b and ln = LN(y)·lnW + lnB: x [M,K], W [N,K], r [M,N], the layer norm's weight and bias [N]. */
export function matmulBiasResidualNormRef(x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number>, residual: ArrayLike<number>, lnW: ArrayLike<number>, lnB: ArrayLike<number>, M: number, K: number, N: number): { y: Float32Array; ln: Float32Array } {
  const y = matmul64(x, w, M, K, N, 'nt').map((v, i) => residual[i] + v + bias[i % N]);
  return { y: Float32Array.from(y), ln: Float32Array.from(layernormForward64(y, lnW, lnB, M, N).out) };
}
