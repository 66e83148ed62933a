import { describe, expect, it } from 'vitest';
import { randn, randu } from '../testing/gpu';
import { BOS, PAD } from '../tasks/tokenizer';
import { Rng } from '../util/rng';
import type { ModelConfig } from './config';
import { type ParamLayout, buildLayout, initParams } from './params';
import { type BackwardSource, nextTokenTargets, referenceBackward, referenceForward } from './reference';

/**
 * Runs `fn` with the global Float32Array standing in for Float64Array, so that
 * every kernel reference the model composes computes and stores in float64:
 * central differences in float32 would drown the gradients in rounding noise.
 */
function inFloat64<T>(fn: () => T): T {
  const g = globalThis as unknown as { Float32Array: unknown };
  const saved = g.Float32Array;
  g.Float32Array = Float64Array;
  try {
    return fn();
  } finally {
    g.Float32Array = saved;
  }
}

const B = 2, T = 5;
/** PAD and BOS are tokens 0 and 1. */
const FIRST_SAMPLEABLE = Math.max(PAD, BOS) + 1;

function setup(tie: boolean) {
  const config: ModelConfig = { vocabSize: 7, contextLength: T, dModel: 8, nLayers: 2, nHeads: 2, tieEmbeddings: tie };
  const layout = buildLayout(config);
  // Perturb GPT-2's init so that biases and gains are not at their special values and every path carries gradient.
  const init = initParams(layout, 1), noise = randn(layout.totalSize, 2, 0.3);
  const params = Float64Array.from(init, (x, i) => x + noise[i]);
  const rng = new Rng(3);
  // Sampleable tokens only (PAD and BOS have probability 0 under the policy, so no rollout ever scores them).
  const tokens = Array.from({ length: B * T }, () => FIRST_SAMPLEABLE + rng.int(config.vocabSize - FIRST_SAMPLEABLE));
  return { layout, params, tokens };
}

/** The scalar whose gradient `source` asks for, evaluated in float64 at `params`. */
function objective(layout: ParamLayout, params: Float64Array, tokens: number[], source: BackwardSource, temperature: number): number {
  const fwd = referenceForward(layout, params, tokens, B, T, { temperature });
  if ('crossEntropyMask' in source) {
    const m = source.crossEntropyMask;
    let loss = 0, total = 0;
    for (let n = 0; n < B * T; n++) {
      loss -= m[n] * fwd.logp[n];
      total += m[n];
    }
    return loss / total;
  }
  let s = 0;
  for (let n = 0; n < B * T; n++) s += (source.dlogp?.[n] ?? 0) * fwd.logp[n] + (source.dentropy?.[n] ?? 0) * fwd.entropy[n] + (source.dvmean?.[n] ?? 0) * fwd.vmean[n];
  return s;
}

/** For each tensor: the entry of largest gradient and three random entries. */
function sampleIndices(layout: ParamLayout, grads: ArrayLike<number>): { name: string; index: number }[] {
  const rng = new Rng(9);
  const out: { name: string; index: number }[] = [];
  for (const e of layout.entries) {
    let best = e.offset;
    for (let i = e.offset; i < e.offset + e.size; i++) if (Math.abs(grads[i]) > Math.abs(grads[best])) best = i;
    out.push({ name: e.name, index: best });
    for (let k = 0; k < 3; k++) out.push({ name: e.name, index: e.offset + rng.int(e.size) });
  }
  return out;
}

function checkGradients(tie: boolean, source: BackwardSource, temperature: number) {
  const { layout, params, tokens } = setup(tie);
  inFloat64(() => {
    const fwd = referenceForward(layout, params, tokens, B, T, { temperature });
    const { grads } = referenceBackward(layout, params, fwd, source);
    let checked = 0;
    for (const { name, index } of sampleIndices(layout, grads)) {
      const h = 1e-5;
      const keep = params[index];
      params[index] = keep + h;
      const up = objective(layout, params, tokens, source, temperature);
      params[index] = keep - h;
      const down = objective(layout, params, tokens, source, temperature);
      params[index] = keep;
      const numeric = (up - down) / (2 * h);
      const scale = Math.max(Math.abs(numeric), Math.abs(grads[index]));
      expect(Math.abs(grads[index] - numeric), `${name}[${index - layout.byName.get(name)!.offset}]: analytic ${grads[index]} vs numeric ${numeric}`).toBeLessThanOrEqual(1e-3 * scale + 1e-9);
      if (scale > 1e-6) checked++;
    }
    // Most sampled entries must carry real gradient, or the check proves little.
    expect(checked).toBeGreaterThan(layout.entries.length * 2);
  });
}

describe('reference GPT gradients match central finite differences (float64)', () => {
  const N = B * T;
  // The last position scores PAD, which is outside the policy: its log-prob gets no weight, as the trainer's mask gives it none.
  const dlogp = randu(N, 4).map((g, n) => (n % T === T - 1 ? 0 : g));
  const statsSource = { dlogp, dentropy: randu(N, 5), dvmean: randu(N, 6) };
  it('per-token statistics at τ = 0.7, untied embeddings', () => checkGradients(false, statsSource, 0.7));
  it('per-token statistics at τ = 1, tied embeddings', () => checkGradients(true, statsSource, 1));
  it('masked cross-entropy, tied embeddings', () => {
    const mask = Float32Array.from({ length: N }, (_, n) => (n % T < 2 || n % T === T - 1 ? 0 : 1));
    checkGradients(true, { crossEntropyMask: mask }, 1);
  });
});

describe('reference GPT forward', () => {
  it('is causal: changing a later token leaves earlier positions alone', () => {
    const { layout, params, tokens } = setup(false);
    const a = referenceForward(layout, params, tokens, B, T);
    const changed = tokens.slice();
    changed[3] = (changed[3] + 1) % 7;
    const b = referenceForward(layout, params, changed, B, T, { targets: a.targets });
    expect(Array.from(b.logits.subarray(0, 3 * 7))).toEqual(Array.from(a.logits.subarray(0, 3 * 7)));
    expect(Array.from(b.logits.subarray(3 * 7, 4 * 7))).not.toEqual(Array.from(a.logits.subarray(3 * 7, 4 * 7)));
  });

  it('scores the next token, and its statistics are consistent', () => {
    const { layout, params, tokens } = setup(true);
    const fwd = referenceForward(layout, params, tokens, B, T, { temperature: 0.5 });
    expect(Array.from(fwd.targets)).toEqual(Array.from(nextTokenTargets(tokens, B, T)));
    expect(fwd.targets[T - 1]).toBe(0);
    expect(fwd.targets[0]).toBe(tokens[1]);
    // Five of the seven tokens are sampleable (PAD and BOS are out): entropy and vmean are over those five.
    const sampleable = 7 - 2;
    for (let n = 0; n < B * T; n++) {
      expect(fwd.logp[n]).toBeLessThan(0);
      if (n % T === T - 1) expect(fwd.logp[n]).toBeLessThan(-1e29);
      expect(fwd.entropy[n]).toBeGreaterThan(0);
      expect(fwd.entropy[n]).toBeLessThanOrEqual(Math.log(sampleable) + 1e-6);
      // The mean log-probability is at most the log of the mean probability, −log |V|.
      expect(fwd.vmean[n]).toBeLessThanOrEqual(-Math.log(sampleable) + 1e-6);
    }
  });
});
