// The one source of the lab's and the reports' colours: each algorithm is the
// same colour in a live chart, the run list, a lesson and a written report.
// Chosen so that every pair stays apart under deuteranopia and protanopia and
// every colour reads on the chart background (palette.test.ts checks both).

/** What charts are drawn on, in the lab and in reports. */
export const CHART_BACKGROUND = '#ffffff';

/**
 * One colour per algorithm, and grey for the base model (always dashed, a
 * reference line): blue, dark orange and near-black violet differ in
 * lightness and along the blue–yellow axis, which red-green dichromats keep.
 */
export const ALGORITHM_COLORS = {
  base: '#767676',
  grpo: '#0072b2',
  rover: '#b35c00',
  d3s: '#2d1a4a',
} as const;

export type PaletteKey = keyof typeof ALGORITHM_COLORS;

/** For report series that name no algorithm. */
export const OTHER_COLORS = ['#1b9e77', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#17becf'];
