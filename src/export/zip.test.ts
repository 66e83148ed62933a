// The zip writer is held to Python's zipfile: every name, byte, CRC and Unix
// mode comes back as written, and the CRC itself matches known values.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPython } from '../testing/python';
import { crc32 } from '../util/crc32';
import { zipStore } from './zip';

const READ_BACK = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    bad = z.testzip()
    print(json.dumps({"bad": bad, "entries": [{"name": i.filename, "crc": i.CRC, "mode": i.external_attr >> 16, "size": i.file_size, "text": z.read(i).decode("utf-8", "replace") if i.file_size < 64 else None, "bytes": list(z.read(i)[:8])} for i in z.infolist()]}))
`;

describe('zipStore', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('writes an archive Python reads back, names, bytes, CRCs and modes intact', () => {
    const big = new Uint8Array(70_000).map((_, i) => (i * 31 + 7) & 0xff);
    const zip = zipStore([
      { path: 'README.md', data: '# hello\n' },
      { path: 'data/train.jsonl', data: '{"prompt":"3 4>7:"}\n' },
      { path: 'run.sh', data: '#!/bin/sh\necho ok\n', executable: true },
      { path: 'ünï/côdé.txt', data: 'π ≈ 3.14 😀' },
      { path: 'blob.bin', data: big },
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'zip-'));
    const file = join(dir, 'a.zip');
    writeFileSync(file, zip);
    const r = runPython(['-c', READ_BACK, file]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { bad: string | null; entries: { name: string; crc: number; mode: number; size: number; text: string | null; bytes: number[] }[] };
    expect(out.bad).toBeNull();
    expect(out.entries.map((e) => e.name)).toEqual(['README.md', 'data/train.jsonl', 'run.sh', 'ünï/côdé.txt', 'blob.bin']);
    expect(out.entries[3].text).toBe('π ≈ 3.14 😀');
    expect(out.entries[2].mode).toBe(0o100755);
    expect(out.entries[0].mode).toBe(0o100644);
    expect(out.entries[4].size).toBe(big.length);
    expect(out.entries[4].crc).toBe(crc32(big));
    expect(out.entries[4].bytes).toEqual([...big.slice(0, 8)]);
  });

  it('is deterministic and refuses paths that would leave the archive', () => {
    const files = [{ path: 'a.txt', data: 'a' }];
    expect(zipStore(files)).toEqual(zipStore(files));
    expect(() => zipStore([{ path: '../x', data: '' }])).toThrow(/relative path/);
    expect(() => zipStore([{ path: 'a', data: '' }, { path: 'a', data: '' }])).toThrow(/twice/);
  });
});
