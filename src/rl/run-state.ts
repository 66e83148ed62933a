// A run's saved state (Trainer.saveState / loadState): parameters, both AdamW
// moments and the counters, as a safetensors file whose metadata names the
// run's settings. Reading checks everything and names what is wrong, so a
// trainer never takes half of a broken state.

import { CheckpointError, decodeSafetensors, encodeSafetensors, refuseNonFinite } from '../model/checkpoint';
import type { RunConfig } from './config';

export interface RunState {
  params: Float32Array;
  m: Float32Array;
  v: Float32Array;
  /** Training steps completed. */
  step: number;
  /** AdamW steps taken. */
  adamStep: number;
  tokensUsed: number;
  /** The step of the last evaluation; −1 before the base's. */
  evaluatedAt: number;
}

const TENSORS = { params: 'params', m: 'optimizer.exp_avg', v: 'optimizer.exp_avg_sq' } as const;

export function encodeRunState(config: RunConfig, s: RunState): ArrayBuffer {
  return encodeSafetensors(
    (Object.keys(TENSORS) as (keyof typeof TENSORS)[]).map((k) => ({ name: TENSORS[k], shape: [s[k].length], data: s[k] })),
    {
      'created-by': 'rlvr-lab',
      'run-config': JSON.stringify(config),
      step: String(s.step),
      'adam-step': String(s.adamStep),
      'tokens-used': String(s.tokensUsed),
      'evaluated-at': String(s.evaluatedAt),
    },
  );
}

/** The state in `buffer`, for a run with `config` and `size` parameters; refused with a CheckpointError naming what is wrong. */
export function decodeRunState(buffer: ArrayBuffer, config: RunConfig, size: number): RunState {
  const file = decodeSafetensors(buffer);
  const md = file.metadata;
  if (md['run-config'] === undefined) throw new CheckpointError('Saved state: the metadata has no "run-config"; this is not a saved run state');
  if (md['run-config'] !== JSON.stringify(config)) throw new CheckpointError('This saved state belongs to a run with different settings');
  const counter = (key: string, min: number) => {
    const raw = md[key];
    if (raw === undefined) throw new CheckpointError(`Saved state: the metadata field "${key}" is missing`);
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(n) || n < min) throw new CheckpointError(`Saved state: the metadata field "${key}" is "${raw}", not an integer ≥ ${min}`);
    return n;
  };
  const step = counter('step', 0);
  if (step > config.steps) throw new CheckpointError(`Saved state: step ${step} is past the run's ${config.steps} steps`);
  const tensor = (name: string) => {
    const e = file.tensors.get(name);
    if (!e) throw new CheckpointError(`Saved state: tensor "${name}" is missing`);
    if (e.dtype !== 'F32' || e.shape.length !== 1 || e.shape[0] !== size || e.bytes.byteLength !== size * 4) {
      throw new CheckpointError(`Saved state: tensor "${name}" is ${e.dtype} [${e.shape.join(', ')}], expected F32 [${size}]`);
    }
    const values = new Float32Array(e.bytes);
    refuseNonFinite(`Saved state: tensor "${name}"`, values);
    return values;
  };
  return {
    step,
    adamStep: counter('adam-step', 0),
    tokensUsed: counter('tokens-used', 0),
    evaluatedAt: counter('evaluated-at', -1),
    params: tensor(TENSORS.params),
    m: tensor(TENSORS.m),
    v: tensor(TENSORS.v),
  };
}
