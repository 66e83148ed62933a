// Categorical sampling with temperature and top-k, mirroring shaders/sample.wgsl
// bit for bit: the same f32 operations in the same order (Math.fround after
// each), the same table-built exp, the same counter-based uniform per row.

import { hash3, uniform01 } from '../../util/rng';

export interface SampleOptions {
  temperature: number;
  /** 0 means the whole vocabulary. */
  topK: number;
  seed: number;
  /** The RNG stream: one for every row, or row r's at [r]. */
  stream: number | ArrayLike<number>;
}

/** Row r's RNG stream under these options. */
export function streamOf(opts: Pick<SampleOptions, 'stream'>, r: number): number {
  return typeof opts.stream === 'number' ? opts.stream : opts.stream[r];
}

const fround = Math.fround;
const LOWEST = -3.4028234663852886e38;
const MAX_EXPONENT = 100;

const bits = new Uint32Array(1);
const asFloat = new Float32Array(bits.buffer);

function f32FromBits(u: number): number {
  bits[0] = u >>> 0;
  return asFloat[0];
}

function bitsFromF32(x: number): number {
  asFloat[0] = x;
  return bits[0];
}

/** EXP2_NEG_NIBBLE[16k + d] = f32 bits of 2^−(d·16^k / 2^20); shaders/sample.wgsl holds the same table. */
export const EXP2_NEG_NIBBLE: readonly number[] = Array.from({ length: 80 }, (_, i) => bitsFromF32(2 ** (-((i % 16) * 16 ** Math.floor(i / 16)) / 2 ** 20)));

/** log2(e)/τ as the f32 the kernel receives (finite even for a tiny τ). */
export function negLog2Scale(temperature: number): number {
  return fround(Math.min(Math.LOG2E / temperature, 3.4e38));
}

/** 2^−e, e = (max − x)·scale truncated to 20 fractional bits; exact mirror of `weight` in the shader. */
export function sampleWeight(x: number, xmax: number, scale: number): number {
  const e = fround(fround(xmax - x) * scale);
  if (!(e < MAX_EXPONENT)) return 0;
  const fixed = Math.trunc(fround(e * 1048576)) >>> 0;
  let frac = 1;
  for (let level = 0; level < 5; level++) {
    const factor = f32FromBits(EXP2_NEG_NIBBLE[16 * level + ((fixed >>> (4 * level)) & 15)]);
    frac = level === 0 ? factor : fround(frac * factor);
  }
  return f32FromBits(bitsFromF32(frac) - ((fixed >>> 20) << 23));
}

/** (a, i) ranks above (b, j) when a > b, ties going to the lower index. */
function ranksAbove(a: number, i: number, b: number, j: number): boolean {
  return a > b || (a === b && i < j);
}

/** Which entries of a row are allowed: the k highest-ranked (all when k is 0 or ≥ V). */
export function topKMask(row: ArrayLike<number>, topK: number): boolean[] {
  const V = row.length;
  const k = topK > 0 && topK < V ? topK : V;
  const order = Array.from({ length: V }, (_, v) => v).sort((i, j) => (ranksAbove(row[i], i, row[j], j) ? -1 : ranksAbove(row[j], j, row[i], i) ? 1 : 0));
  const keep = new Array<boolean>(V).fill(false);
  for (let r = 0; r < k; r++) keep[order[r]] = true;
  return keep;
}

/**
 * tokens[r] ~ softmax(logits[r]/τ) restricted to the top k (inverse CDF, sequential f32 sums);
 * logp[r] = the chosen token's log-probability under that distribution (float64, exact softmax).
 */
export function sampleRef(logits: ArrayLike<number>, R: number, V: number, opts: SampleOptions): { tokens: Uint32Array; logp: Float32Array } {
  const tokens = new Uint32Array(R);
  const logp = new Float32Array(R);
  const scale = negLog2Scale(opts.temperature);
  for (let r = 0; r < R; r++) {
    const row = Array.from({ length: V }, (_, v) => fround(logits[r * V + v]));
    const keep = topKMask(row, opts.topK);
    const xmax = row.reduce((m, x) => Math.max(m, x), LOWEST);
    let total = 0;
    for (let v = 0; v < V; v++) if (keep[v]) total = fround(total + sampleWeight(row[v], xmax, scale));
    const goal = fround(uniform01(hash3(opts.seed, streamOf(opts, r), r)) * total);
    let chosen = -1, last = 0, cum = 0;
    for (let v = 0; v < V && chosen < 0; v++) {
      const w = keep[v] ? sampleWeight(row[v], xmax, scale) : 0;
      if (w > 0) {
        cum = fround(cum + w);
        last = v;
        if (goal < cum) chosen = v;
      }
    }
    tokens[r] = chosen < 0 ? last : chosen;
    let norm = 0;
    for (let v = 0; v < V; v++) if (keep[v]) norm += Math.exp((row[v] - xmax) / opts.temperature);
    logp[r] = (row[tokens[r]] - xmax) / opts.temperature - Math.log(norm);
  }
  return { tokens, logp };
}
