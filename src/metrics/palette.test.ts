import { describe, expect, it } from 'vitest';
import { contrastRatio, deltaE2000, parseHex, simulate, toLab, type Rgb } from './color-vision';
import { ALGORITHM_COLORS, CHART_BACKGROUND } from './palette';

/** CIEDE2000 between two colours that are as far apart as a line colour needs to be at a glance. */
const MIN_DELTA_E = 20;
/** WCAG's text contrast: enough for a thin line, and for white text on the colour (the run tags). */
const MIN_CONTRAST = 4.5;

const entries = Object.entries(ALGORITHM_COLORS) as [string, string][];
const pairs = entries.flatMap((a, i) => entries.slice(i + 1).map((b) => [a, b] as const));
const views: Record<string, (c: Rgb) => Rgb> = {
  'normal vision': (c) => c,
  deuteranopia: (c) => simulate(c, 'deuteranopia'),
  protanopia: (c) => simulate(c, 'protanopia'),
};

describe('colour arithmetic', () => {
  it('CIEDE2000 matches published test pairs (Sharma, Wu & Dalal 2005)', () => {
    expect(deltaE2000([50, 2.6772, -79.7751], [50, 0, -82.7485])).toBeCloseTo(2.0425, 4);
    expect(deltaE2000([50, 0, 0], [50, -1, 2])).toBeCloseTo(2.3669, 4);
    expect(deltaE2000([50, 2.5, 0], [73, 25, -18])).toBeCloseTo(27.1492, 4);
    expect(deltaE2000([2.0776, 0.0795, -1.135], [0.9033, -0.0636, -0.5514])).toBeCloseTo(0.9082, 4);
  });

  it('Lab and contrast have their known end points', () => {
    const white = toLab(parseHex('#ffffff'));
    expect(white[0]).toBeCloseTo(100, 3);
    expect(Math.abs(white[1]) + Math.abs(white[2])).toBeLessThan(0.01);
    expect(contrastRatio(parseHex('#000000'), parseHex('#ffffff'))).toBeCloseTo(21, 6);
    expect(contrastRatio(parseHex('#767676'), parseHex('#ffffff'))).toBeCloseTo(4.54, 2);
  });

  it('dichromat simulation keeps greys and merges red with green', () => {
    for (const d of ['deuteranopia', 'protanopia'] as const) {
      const grey = simulate(parseHex('#808080'), d);
      for (const c of grey) expect(c).toBeCloseTo(0.502, 2);
    }
    // The classic red/green pair, 70 apart for normal vision, nearly merges for a
    // deuteranope and keeps only its lightness difference (red looks dark) for a protanope.
    const [red, green] = ['#d62728', '#2ca02c'].map(parseHex);
    const normal = deltaE2000(toLab(red), toLab(green));
    expect(normal).toBeGreaterThan(70);
    expect(deltaE2000(toLab(simulate(red, 'deuteranopia')), toLab(simulate(green, 'deuteranopia')))).toBeLessThan(6);
    expect(deltaE2000(toLab(simulate(red, 'protanopia')), toLab(simulate(green, 'protanopia')))).toBeLessThan(normal / 2);
  });
});

describe('the palette', () => {
  for (const [view, see] of Object.entries(views)) {
    it(`keeps every pair of colours at least ΔE₀₀ ${MIN_DELTA_E} apart under ${view}`, () => {
      for (const [[a, ca], [b, cb]] of pairs) {
        const d = deltaE2000(toLab(see(parseHex(ca))), toLab(see(parseHex(cb))));
        expect(d, `${a} ${ca} vs ${b} ${cb}`).toBeGreaterThanOrEqual(MIN_DELTA_E);
      }
    });
  }

  it(`gives every colour a contrast of at least ${MIN_CONTRAST}:1 on the chart background`, () => {
    for (const [name, c] of entries) expect(contrastRatio(parseHex(c), parseHex(CHART_BACKGROUND)), name).toBeGreaterThanOrEqual(MIN_CONTRAST);
  });

  it('would have failed the old palette, whose GRPO and D³S both looked blue under deuteranopia', () => {
    const d = deltaE2000(toLab(simulate(parseHex('#1f77b4'), 'deuteranopia')), toLab(simulate(parseHex('#7b3294'), 'deuteranopia')));
    expect(d).toBeLessThan(MIN_DELTA_E);
  });
});
