// Checkpoint files on disk, for Node entry points. The browser saves and
// opens the same ArrayBuffers through downloads and file pickers instead.

import { readFile, writeFile } from 'node:fs/promises';
import { type Checkpoint, type CheckpointMeta, readCheckpoint, writeCheckpoint } from './checkpoint';
import type { ParamLayout } from './params';

export async function saveCheckpointFile(path: string, layout: ParamLayout, params: Float32Array, meta: Omit<CheckpointMeta, 'config'>): Promise<void> {
  await writeFile(path, new Uint8Array(writeCheckpoint(layout, params, meta)));
}

/** A file's bytes as an ArrayBuffer of its own, the form the safetensors readers take. */
export async function readFileBuffer(path: string): Promise<ArrayBuffer> {
  const bytes = await readFile(path);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export async function loadCheckpointFile(path: string): Promise<Checkpoint> {
  const buffer = await readFileBuffer(path);
  try {
    return readCheckpoint(buffer);
  } catch (e) {
    (e as Error).message = `${path}: ${(e as Error).message}`;
    throw e;
  }
}
