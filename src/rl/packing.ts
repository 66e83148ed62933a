// Shared-prefix packing of a minibatch for the update's forward and backward
// passes. The G completions of a group share their prompt, so at θ their
// activations over the prompt are the same: the packed layout keeps each
// group's prompt prefix once and then every completion's own positions.
//
//   group g:  [prefix: positions 0 … Lp−2] [row r₁: Lp−1 … len₁−1] [row r₂: …] …
//
// A row's own run starts at the prompt's last position Lp−1, which predicts
// the completion's first token (its target differs from row to row); the
// prefix positions carry no loss (their mask is zero). Each packed row has a
// segment (a0, alen, b0, qend) for the attention kernels: it attends rows
// a0 … a0+alen−1 (its group's prefix, for a completion row) and then b0 …
// itself, and rows itself … qend−1 attend it. The key lists are the dense
// rows' keys in the same order, so the forward gives the dense rows' values
// (bit for bit on the rows kernels); gradients agree within float rounding,
// since the prefix's share of every gradient is summed once over the group
// instead of once per row.

export interface Packing {
  /** Packed rows, a multiple of 4 (the vec4 products); the last ones may be padding. */
  N: number;
  /** The longest key list: the longest row. */
  Tk: number;
  /** For each packed row, its element of the minibatch's [n, T] arrays (row·T + position). */
  src: Uint32Array;
  /** For each element of [n, T], the packed row holding its position (0 past the row's end, where nothing is read). */
  unpack: Uint32Array;
  /** Position of each packed row (the embedding's). */
  positions: Uint32Array;
  /** [N·4]: a0, alen, b0, qend per packed row. */
  segments: Uint32Array;
}

export interface PackingRow {
  /** The rollout group the row belongs to: rows of one group share their prompt. */
  group: number;
  promptLength: number;
  /** Positions kept (≤ T, at least the prompt's): those the loss reads, up to the one scoring the last completion token. */
  length: number;
}

/**
 * Packs the minibatch's rows (in order; T positions each in the dense
 * layout). Consecutive rows of the same group share one prefix; they must
 * have the same prompt length.
 */
export function planPacking(rows: readonly PackingRow[], T: number): Packing {
  const src: number[] = [], positions: number[] = [], segments: number[] = [];
  const unpack = new Uint32Array(rows.length * T);
  const push = (li: number, pos: number, seg: [number, number, number, number]) => {
    unpack[li * T + pos] = src.length;
    src.push(li * T + pos);
    positions.push(pos);
    segments.push(...seg);
  };
  let Tk = 1;
  for (let first = 0; first < rows.length; ) {
    const { group, promptLength } = rows[first];
    let end = first;
    while (end < rows.length && rows[end].group === group) {
      if (rows[end].promptLength !== promptLength) throw new Error(`planPacking: rows of group ${group} have prompts of ${promptLength} and ${rows[end].promptLength} tokens`);
      end++;
    }
    const prefix = Math.max(0, promptLength - 1);
    // Rows of the group in the packed layout: the prefix, then each row's run.
    let groupEnd = src.length + prefix;
    for (let li = first; li < end; li++) {
      const { length } = rows[li];
      if (length < prefix + 1 || length > T) throw new Error(`planPacking: row ${li} keeps ${length} positions, outside ${prefix + 1} … ${T}`);
      groupEnd += length - prefix;
      Tk = Math.max(Tk, length);
    }
    const a0 = src.length;
    for (let pos = 0; pos < prefix; pos++) push(first, pos, [a0, 0, a0, groupEnd]);
    for (let li = first; li < end; li++) {
      const b0 = src.length, runEnd = b0 + rows[li].length - prefix;
      for (let pos = prefix; pos < rows[li].length; pos++) push(li, pos, [a0, prefix, b0, runEnd]);
      // The row's prompt positions read the shared prefix.
      for (let pos = 0; pos < prefix; pos++) unpack[li * T + pos] = a0 + pos;
    }
    first = end;
  }
  // Padding rows attend only themselves and read the first row's first position (a prompt position, no loss).
  while (src.length % 4 !== 0 || src.length === 0) {
    const n = src.length;
    src.push(0);
    positions.push(0);
    segments.push(n, 0, n, n + 1);
  }
  return { N: src.length, Tk, src: Uint32Array.from(src), unpack, positions: Uint32Array.from(positions), segments: Uint32Array.from(segments) };
}
