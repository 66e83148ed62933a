// Counter-based random numbers: every value is a pure function of
// (seed, stream, counter), so the CPU and the GPU (shaders/rng.wgsl) draw the
// same numbers, and any sample can be reproduced without replaying a sequence.

/** PCG-RXS-M-XS 32-bit output hash (Jarzynski & Olano 2020). */
export function pcgHash(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** A 32-bit hash of three 32-bit words. Mirrors `hash3` in shaders/rng.wgsl. */
export function hash3(seed: number, stream: number, counter: number): number {
  return pcgHash((seed >>> 0) ^ pcgHash((stream >>> 0) ^ pcgHash(counter >>> 0)));
}

/** Uniform float in [0, 1) with 24 bits, exactly representable in f32. Mirrors `uniform01`. */
export function uniform01(h: number): number {
  return (h >>> 8) / 16777216;
}

/** Derives a child seed from a parent seed and a label, e.g. per step or per task split. */
export function deriveSeed(seed: number, label: string | number): number {
  let h = typeof label === 'number' ? label >>> 0 : 2166136261;
  if (typeof label === 'string') for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619) >>> 0;
  return hash3(seed, h, 0x9e3779b9);
}

/** A sequential view of the counter-based stream, for CPU-side generators. */
export class Rng {
  private counter = 0;

  constructor(
    readonly seed: number,
    readonly stream = 0,
  ) {}

  /** Next 32-bit unsigned integer. */
  u32(): number {
    return hash3(this.seed, this.stream, this.counter++);
  }

  /** Uniform in [0, 1). */
  float(): number {
    return uniform01(this.u32());
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n >= 1)) throw new Error(`Rng.int: n must be ≥ 1, got ${n}`);
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [lo, hi] inclusive. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle of a copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const a = items.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }
}
