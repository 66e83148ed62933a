// The shapes bench:fused times: the tiny and small presets' widths and heads
// (src/model/config.ts) at a context of about 40 positions, for a sampling
// batch (8 rows) and a training minibatch (64 rows).

import { presetConfig } from '../model/config';

const CONTEXT = 40;
const ROWS = [8, 64];

export const PRESET_SHAPES_FOR_BENCH = (['tiny', 'small'] as const).flatMap((preset) => {
  const { dModel: C, nHeads: H } = presetConfig(preset, 20, CONTEXT);
  return ROWS.map((B) => ({ preset, C, H, T: CONTEXT, B }));
});
