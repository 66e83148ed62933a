// Text contrast, computed from the colours the lab really uses: the :root
// block of styles.css (one source for the page's colours) and the algorithm
// palette behind the run tags.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALGORITHMS } from '../rl/config';
import { ALGORITHM_COLORS } from './colors';
import { contrastRatio, luminance, textColourOn } from './contrast';

function rootColours(): Record<string, string> {
  const css = readFileSync(new URL('./styles.css', import.meta.url), 'utf8');
  const root = /:root\s*\{([^}]*)\}/.exec(css)![1];
  return Object.fromEntries([...root.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{3,6})\s*;/g)].map((m) => [m[1], m[2]]));
}

const MIN = 4.5;

describe('contrast', () => {
  it('matches the WCAG definition on known pairs', () => {
    expect(contrastRatio('#000', '#fff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#fff', '#fff')).toBe(1);
    expect(luminance('#808080')).toBeCloseTo(0.2159, 3);
    // The ROVER tag as it was: white on #ff7f0e.
    expect(contrastRatio('#ffffff', '#ff7f0e')).toBeLessThan(MIN);
  });

  it('every text colour of the page reads at 4.5:1 on every background it is used on', () => {
    const c = rootColours();
    const pairs: [string, string][] = [
      ['fg', 'page'], ['fg', 'panel'], ['fg', 'banner-error'], ['fg', 'banner-warning'], ['fg', 'banner-info'],
      ['muted', 'page'], ['muted', 'panel'], ['muted', 'banner-error'], ['muted', 'banner-warning'], ['muted', 'banner-info'],
      ['error', 'page'], ['error', 'panel'], ['error', 'banner-error'],
      ['ok', 'page'], ['ok', 'panel'],
      ['on-accent', 'accent'], ['accent', 'page'],
    ];
    const failing = pairs.map(([fg, bg]) => ({ fg, bg, ratio: contrastRatio(c[fg], c[bg]) })).filter((p) => !(p.ratio >= MIN));
    expect(failing).toEqual([]);
  });

  it('every algorithm tag reads at 4.5:1 in the colour chosen for it', () => {
    for (const algo of ALGORITHMS) {
      const bg = ALGORITHM_COLORS[algo];
      expect(contrastRatio(textColourOn(bg), bg), algo).toBeGreaterThanOrEqual(MIN);
    }
  });

  it('the tag text colour reaches 4.5:1 on any background at all', () => {
    for (let v = 0; v < 4096; v += 7) {
      const bg = '#' + [v >> 8, (v >> 4) & 15, v & 15].map((x) => x.toString(16)).join('');
      expect(contrastRatio(textColourOn(bg), bg), bg).toBeGreaterThanOrEqual(MIN);
    }
  });
});
