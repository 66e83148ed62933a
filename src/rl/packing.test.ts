import { describe, expect, it } from 'vitest';
import { packedKeys } from '../gpu/reference/attention';
import { type PackingRow, planPacking } from './packing';

// Two groups: rows 0–1 share a 4-token prompt, row 2 is alone with a 1-token prompt.
const ROWS: PackingRow[] = [
  { group: 0, promptLength: 4, length: 7 },
  { group: 0, promptLength: 4, length: 5 },
  { group: 3, promptLength: 1, length: 3 },
];
const T = 7;

describe('planPacking', () => {
  const p = planPacking(ROWS, T);

  it('keeps each group prefix once and every row after it', () => {
    // Prefix positions 0–2 of row 0, row 0's 3…6, row 1's 3…4, row 2's 0…2, padding to 12.
    expect(Array.from(p.positions)).toEqual([0, 1, 2, 3, 4, 5, 6, 3, 4, 0, 1, 2]);
    expect(Array.from(p.src)).toEqual([0, 1, 2, 3, 4, 5, 6, 7 + 3, 7 + 4, 14, 15, 16]);
    expect(p.N).toBe(12);
    expect(p.Tk).toBe(7);
  });

  it('gives every row the keys of its dense sequence, in position order', () => {
    ROWS.forEach((row, li) => {
      for (let pos = 0; pos < row.length; pos++) {
        const n = p.unpack[li * T + pos];
        expect(p.positions[n]).toBe(pos);
        expect(p.src[n] % T).toBe(pos);
        // The rows it attends sit at positions 0 … pos of the same sequence.
        expect(packedKeys(p.segments, n).map((k) => p.positions[k])).toEqual(Array.from({ length: pos + 1 }, (_, j) => j));
      }
    });
  });

  it('names, for each row, exactly the rows that attend it', () => {
    for (let j = 0; j < p.N; j++) {
      const attending = Array.from({ length: p.N }, (_, q) => q).filter((q) => packedKeys(p.segments, q).includes(j));
      const qend = p.segments[4 * j + 3];
      expect(attending).toEqual(Array.from({ length: qend - j }, (_, i) => j + i));
    }
  });

  it('pads with rows that attend only themselves', () => {
    expect(packedKeys(p.segments, 11)).toEqual([9, 10, 11]);
    const single = planPacking([{ group: 0, promptLength: 1, length: 1 }], 4);
    expect(single.N).toBe(4);
    for (let n = 1; n < 4; n++) expect(packedKeys(single.segments, n)).toEqual([n]);
  });

  it('refuses rows of one group with different prompts, and rows longer than T', () => {
    expect(() => planPacking([{ group: 1, promptLength: 3, length: 4 }, { group: 1, promptLength: 2, length: 4 }], 5)).toThrow(/prompts of 3 and 2/);
    expect(() => planPacking([{ group: 1, promptLength: 3, length: 6 }], 5)).toThrow(/outside 3 … 5/);
  });
});
