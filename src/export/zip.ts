// A store-only (uncompressed) ZIP writer, enough to hand an exported folder
// to the browser as one download. Entries carry UTF-8 names, Unix modes (so
// launch scripts stay executable) and a fixed 1980-01-01 timestamp, so the
// same files always give the same bytes.

import { crc32 } from '../util/crc32';

export interface ZipEntry {
  path: string;
  data: Uint8Array | string;
  executable?: boolean;
}

const DOS_DATE_1980_01_01 = (1 << 5) | 1;
const UTF8_NAMES = 1 << 11;
const MAX_U32 = 0xffffffff;

export function zipStore(entries: readonly ZipEntry[]): Uint8Array<ArrayBuffer> {
  if (entries.length > 0xffff) throw new Error(`zip: ${entries.length} entries; this writer stores at most 65535`);
  const encoder = new TextEncoder();
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  const seen = new Set<string>();
  for (const e of entries) {
    if (e.path === '' || e.path.startsWith('/') || e.path.split('/').includes('..')) throw new Error(`zip: "${e.path}" is not a relative path inside the archive`);
    if (seen.has(e.path)) throw new Error(`zip: "${e.path}" appears twice`);
    seen.add(e.path);
    const name = encoder.encode(e.path);
    const data = typeof e.data === 'string' ? encoder.encode(e.data) : e.data;
    if (data.length > MAX_U32 || offset > MAX_U32) throw new Error('zip: the archive would pass 4 GiB; this writer has no ZIP64');
    const crc = crc32(data);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(6, UTF8_NAMES, true);
    lv.setUint16(8, 0, true); // stored
    lv.setUint16(10, 0, true);
    lv.setUint16(12, DOS_DATE_1980_01_01, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, (3 << 8) | 20, true); // made by Unix, so the external attributes hold a mode
    cv.setUint16(6, 20, true);
    cv.setUint16(8, UTF8_NAMES, true);
    cv.setUint16(12, 0, true);
    cv.setUint16(14, DOS_DATE_1980_01_01, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, data.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(38, ((e.executable ? 0o100755 : 0o100644) << 16) >>> 0, true);
    cv.setUint32(42, offset, true);
    central.set(name, 46);
    locals.push(local, data);
    centrals.push(central);
    offset += local.length + data.length;
  }
  const centralSize = centrals.reduce((n, c) => n + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, centralSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + centralSize + end.length);
  let at = 0;
  for (const part of [...locals, ...centrals, end]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
