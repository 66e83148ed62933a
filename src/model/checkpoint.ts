// Checkpoints in the safetensors format: an 8-byte little-endian header
// length, a JSON header naming each tensor's dtype, shape and byte range, then
// the raw little-endian data. Tensor names follow nanoGPT, so a checkpoint
// opens in Python with `safetensors.torch.load_file`. Everything here works on
// ArrayBuffers, for the browser and Node alike (file helpers live in
// checkpoint-node.ts).

import { type ModelConfig, parseConfig } from './config';
import { type ParamLayout, buildLayout } from './params';

export const CREATED_BY = 'rlvr-lab';

export interface CheckpointMeta {
  config: ModelConfig;
  /** The task tokenizer's alphabet (the vocabulary is the specials followed by it). */
  alphabet: string;
  task: string;
  taskConfig: unknown;
  /** Training steps taken when saved. */
  step: number;
}

export interface Checkpoint {
  meta: CheckpointMeta;
  layout: ParamLayout;
  /** Flat parameters in `layout` order, padding zeroed. */
  params: Float32Array;
}

export interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  /** Little-endian bytes of the tensor (a copy, aligned). */
  bytes: ArrayBuffer;
}

export interface SafetensorsFile {
  metadata: Record<string, string>;
  tensors: Map<string, SafetensorsEntry>;
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

const HEADER_LIMIT = 100 * 1024 * 1024;

// ------------------------------------------------------------------ writing

/** Serialises F32 tensors and string metadata in safetensors layout. */
export function encodeSafetensors(tensors: readonly { name: string; shape: readonly number[]; data: Float32Array }[], metadata: Record<string, string>): ArrayBuffer {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`Tensor "${t.name}": shape [${t.shape.join(', ')}] holds ${count} values, data has ${t.data.length}`);
    header[t.name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  // Pad with spaces so the data starts 8-byte aligned, as the reference implementation does.
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new ArrayBuffer(8 + json.length + offset);
  const view = new DataView(out);
  view.setBigUint64(0, BigInt(json.length), true);
  new Uint8Array(out, 8, json.length).set(json);
  let at = 8 + json.length;
  for (const t of tensors) {
    new Uint8Array(out, at, t.data.byteLength).set(toLittleEndianBytes(t.data));
    at += t.data.byteLength;
  }
  return out;
}

/** A checkpoint of the flat parameters `params` (laid out by `layout`). */
export function writeCheckpoint(layout: ParamLayout, params: Float32Array, meta: Omit<CheckpointMeta, 'config'>): ArrayBuffer {
  if (params.length !== layout.totalSize) throw new Error(`writeCheckpoint: ${params.length} parameters for a layout of ${layout.totalSize}`);
  const tensors = layout.entries.map((e) => ({ name: e.name, shape: e.shape, data: params.subarray(e.offset, e.offset + e.size) }));
  const metadata: Record<string, string> = {
    format: 'pt',
    'created-by': CREATED_BY,
    'model-config': JSON.stringify(layout.config),
    'tokenizer-alphabet': meta.alphabet,
    task: meta.task,
    'task-config': JSON.stringify(meta.taskConfig ?? null),
    step: String(meta.step),
  };
  return encodeSafetensors(tensors, metadata);
}

// ------------------------------------------------------------------ reading

/** Parses any safetensors file, checking its framing; says what is wrong when it cannot. */
export function decodeSafetensors(buffer: ArrayBuffer): SafetensorsFile {
  if (buffer.byteLength < 8) throw new CheckpointError(`Not a safetensors file: only ${buffer.byteLength} bytes, fewer than the 8-byte header length`);
  const headerLength = Number(new DataView(buffer).getBigUint64(0, true));
  if (headerLength < 2 || headerLength > HEADER_LIMIT) throw new CheckpointError(`Not a safetensors file: the first 8 bytes give a header length of ${headerLength}`);
  if (8 + headerLength > buffer.byteLength) throw new CheckpointError(`Truncated safetensors file: the header needs ${headerLength} bytes but only ${buffer.byteLength - 8} follow`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(buffer, 8, headerLength)));
  } catch {
    throw new CheckpointError('Not a safetensors file: the header is not valid JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new CheckpointError('Not a safetensors file: the header is not a JSON object');

  const dataStart = 8 + headerLength;
  const dataLength = buffer.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, SafetensorsEntry>();
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null) throw new CheckpointError('Bad safetensors header: __metadata__ is not an object');
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') throw new CheckpointError(`Bad safetensors header: metadata "${k}" is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const shape = info?.shape;
    const offsets = info?.data_offsets;
    if (typeof info?.dtype !== 'string' || !isIntArray(shape) || !isIntArray(offsets) || offsets.length !== 2) {
      throw new CheckpointError(`Bad safetensors header: tensor "${name}" needs a dtype string, a shape and two data_offsets`);
    }
    const [begin, end] = offsets;
    if (begin > end) throw new CheckpointError(`Bad safetensors header: tensor "${name}" has data_offsets [${begin}, ${end}]`);
    if (end > dataLength) throw new CheckpointError(`Truncated safetensors file: tensor "${name}" ends at byte ${end} of the data but only ${dataLength} bytes are present`);
    tensors.set(name, { dtype: info.dtype, shape, bytes: buffer.slice(dataStart + begin, dataStart + end) });
  }
  return { metadata, tensors };
}

/** Loads an rlvr-lab checkpoint, validating it against the model config it declares. */
export function readCheckpoint(buffer: ArrayBuffer): Checkpoint {
  const file = decodeSafetensors(buffer);
  const meta = readMeta(file.metadata);
  const layout = buildLayout(meta.config);
  const params = new Float32Array(layout.totalSize);
  const expected = new Set(layout.entries.map((e) => e.name));
  for (const name of file.tensors.keys()) {
    if (!expected.has(name)) throw new CheckpointError(`Unexpected tensor "${name}": the model config (${describe(meta.config)}) has no such parameter`);
  }
  for (const e of layout.entries) {
    const t = file.tensors.get(e.name);
    if (!t) throw new CheckpointError(`Checkpoint is missing tensor "${e.name}"`);
    if (t.dtype !== 'F32') throw new CheckpointError(`Tensor "${e.name}" has dtype ${t.dtype}; only F32 is supported`);
    if (t.shape.length !== e.shape.length || t.shape.some((d, i) => d !== e.shape[i])) {
      throw new CheckpointError(`Tensor "${e.name}": shape mismatch, expected [${e.shape.join(', ')}] got [${t.shape.join(', ')}]`);
    }
    if (t.bytes.byteLength !== e.size * 4) throw new CheckpointError(`Tensor "${e.name}": ${t.bytes.byteLength} bytes of data for ${e.size} F32 values`);
    const values = fromLittleEndianBytes(t.bytes);
    refuseNonFinite(`Tensor "${e.name}"`, values);
    params.set(values, e.offset);
  }
  return { meta, layout, params };
}

/** Throws a CheckpointError naming the first NaN or infinite value in `values`. */
export function refuseNonFinite(what: string, values: Float32Array): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new CheckpointError(`${what} holds ${values[i]} at index ${i}: the file is corrupt or was saved from a run that diverged`);
  }
}

function readMeta(m: Record<string, string>): CheckpointMeta {
  if (m['created-by'] !== CREATED_BY) {
    throw new CheckpointError(`Not an ${CREATED_BY} checkpoint: its metadata has no "created-by": "${CREATED_BY}"${m['created-by'] ? ` (it says "${m['created-by']}")` : ''}`);
  }
  const need = ['model-config', 'tokenizer-alphabet', 'task', 'step'];
  const missing = need.filter((k) => m[k] === undefined);
  if (missing.length > 0) throw new CheckpointError(`Checkpoint metadata is missing ${missing.join(', ')}`);
  let config: ModelConfig;
  try {
    config = parseConfig(JSON.parse(m['model-config']));
  } catch (e) {
    throw new CheckpointError(`Unknown model config in checkpoint: ${(e as Error).message}`);
  }
  let taskConfig: unknown = null;
  try {
    taskConfig = m['task-config'] === undefined ? null : JSON.parse(m['task-config']);
  } catch {
    throw new CheckpointError('Checkpoint task-config is not valid JSON');
  }
  const step = Number(m.step);
  if (!Number.isInteger(step) || step < 0) throw new CheckpointError(`Checkpoint step "${m.step}" is not a non-negative integer`);
  return { config, alphabet: m['tokenizer-alphabet'], task: m.task, taskConfig, step };
}

function describe(c: ModelConfig): string {
  return `V=${c.vocabSize} T=${c.contextLength} C=${c.dModel} L=${c.nLayers} H=${c.nHeads}${c.tieEmbeddings ? ' tied' : ''}`;
}

function isIntArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= 0);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function toLittleEndianBytes(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  data.forEach((x, i) => view.setFloat32(i * 4, x, true));
  return out;
}

function fromLittleEndianBytes(bytes: ArrayBuffer): Float32Array {
  if (LITTLE_ENDIAN) return new Float32Array(bytes);
  const view = new DataView(bytes);
  const out = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
