import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, readCheckpoint, writeCheckpoint } from './checkpoint';
import { loadCheckpointFile, saveCheckpointFile } from './checkpoint-node';
import { presetConfig } from './config';
import { buildLayout, initParams } from './params';

const config = presetConfig('tiny', 12, 16);
const layout = buildLayout(config);
const params = initParams(layout, 3);
const meta = { alphabet: '0123456789+=', task: 'addition', taskConfig: { digits: 2 }, step: 42 };

function header(buf: ArrayBuffer): Record<string, unknown> {
  const n = Number(new DataView(buf).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 8, n))) as Record<string, unknown>;
}

/** Rewrites a checkpoint's header with `edit` applied, keeping the data. */
function withHeader(buf: ArrayBuffer, edit: (h: Record<string, unknown>) => void): ArrayBuffer {
  const n = Number(new DataView(buf).getBigUint64(0, true));
  const h = header(buf);
  edit(h);
  const json = new TextEncoder().encode(JSON.stringify(h));
  const out = new Uint8Array(8 + json.length + buf.byteLength - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(new Uint8Array(buf, 8 + n), 8 + json.length);
  return out.buffer;
}

describe('safetensors checkpoints', () => {
  it('round-trips parameters and metadata exactly', () => {
    const buf = writeCheckpoint(layout, params, meta);
    const ck = readCheckpoint(buf);
    expect(ck.params).toEqual(params);
    expect(ck.meta).toEqual({ ...meta, config });
    expect(ck.layout.totalSize).toBe(layout.totalSize);
    const h = header(buf);
    expect(h['transformer.h.1.attn.c_attn.weight']).toMatchObject({ dtype: 'F32', shape: [96, 32] });
    expect(h.__metadata__).toMatchObject({ 'created-by': 'rlvr-lab', step: '42', task: 'addition' });
    expect(Number(new DataView(buf).getBigUint64(0, true)) % 8).toBe(0);
  });

  it('stores tensors contiguously in the declared byte ranges', () => {
    const file = decodeSafetensors(writeCheckpoint(layout, params, meta));
    const e = layout.byName.get('transformer.wpe.weight')!;
    expect(new Float32Array(file.tensors.get(e.name)!.bytes)).toEqual(params.subarray(e.offset, e.offset + e.size));
  });

  it('refuses what is not safetensors', () => {
    expect(() => readCheckpoint(new ArrayBuffer(5))).toThrow(/Not a safetensors file: only 5 bytes/);
    const png = new TextEncoder().encode('\x89PNG\r\n\x1a\n and then some image data that is long enough');
    expect(() => readCheckpoint(png.buffer)).toThrow(/Not a safetensors file/);
    const notJson = new Uint8Array(8 + 4);
    new DataView(notJson.buffer).setBigUint64(0, 4n, true);
    notJson.set(new TextEncoder().encode('abcd'), 8);
    expect(() => readCheckpoint(notJson.buffer)).toThrow(/header is not valid JSON/);
  });

  it('says when a file is truncated', () => {
    const buf = writeCheckpoint(layout, params, meta);
    expect(() => readCheckpoint(buf.slice(0, 100))).toThrow(/Truncated safetensors file: the header needs/);
    expect(() => readCheckpoint(buf.slice(0, buf.byteLength - 10))).toThrow(/Truncated safetensors file: tensor "transformer\.ln_f\.bias" ends at byte/);
  });

  it('names a missing tensor, a wrong shape, a wrong dtype and an unknown config', () => {
    const buf = writeCheckpoint(layout, params, meta);
    expect(() => readCheckpoint(withHeader(buf, (h) => delete h['transformer.h.3.ln_2.bias']))).toThrow(/missing tensor "transformer\.h\.3\.ln_2\.bias"/);
    expect(() =>
      readCheckpoint(withHeader(buf, (h) => ((h['transformer.wpe.weight'] as { shape: number[] }).shape = [32, 16]))),
    ).toThrow(/"transformer\.wpe\.weight": shape mismatch, expected \[16, 32\] got \[32, 16\]/);
    expect(() => readCheckpoint(withHeader(buf, (h) => ((h['transformer.wte.weight'] as { dtype: string }).dtype = 'F16')))).toThrow(/dtype F16; only F32/);
    const badConfig = withHeader(buf, (h) => ((h.__metadata__ as Record<string, string>)['model-config'] = JSON.stringify({ ...config, nHeads: 5 })));
    expect(() => readCheckpoint(badConfig)).toThrow(/Unknown model config in checkpoint: .*divisible by nHeads/);
    const untied = withHeader(buf, (h) => ((h.__metadata__ as Record<string, string>)['model-config'] = JSON.stringify({ ...config, tieEmbeddings: false })));
    expect(() => readCheckpoint(untied)).toThrow(/missing tensor "lm_head\.weight"/);
  });

  it('refuses a foreign safetensors file that lacks our metadata', () => {
    const foreign = encodeSafetensors([{ name: 'model.embed_tokens.weight', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) }], { format: 'pt' });
    expect(decodeSafetensors(foreign).tensors.get('model.embed_tokens.weight')?.shape).toEqual([2, 2]);
    expect(() => readCheckpoint(foreign)).toThrow(/Not an rlvr-lab checkpoint/);
  });

  it('saves and loads files in Node', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ckpt-'));
    try {
      const path = join(dir, 'policy.safetensors');
      await saveCheckpointFile(path, layout, params, meta);
      expect((await loadCheckpointFile(path)).params).toEqual(params);
      await expect(loadCheckpointFile(join(dir, 'nope.safetensors'))).rejects.toThrow(/ENOENT/);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});
