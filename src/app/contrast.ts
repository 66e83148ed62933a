// WCAG 2 contrast between two sRGB colours, and the text colour that reads on
// a given background. Algorithm tags take their background from the palette,
// so their text colour is chosen here instead of being fixed to white.

/** Parses #rgb or #rrggbb into 0–255 channels. */
export function parseHex(colour: string): [number, number, number] {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(colour.trim());
  if (!m) throw new Error(`not a hex colour: ${colour}`);
  const hex = m[1].length === 3 ? [...m[1]].map((c) => c + c).join('') : m[1];
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

/** Relative luminance (WCAG 2.x definition). */
export function luminance(colour: string): number {
  const [r, g, b] = parseHex(colour).map((c) => {
    const x = c / 255;
    return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Contrast ratio, 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const LIGHT_TEXT = '#ffffff';
// Pure black: with it, the better of the two always reaches 4.58:1, whatever the background.
const DARK_TEXT = '#000000';

/** White or near-black, whichever contrasts more with `background` (at least 4.58:1 for any colour). */
export function textColourOn(background: string): string {
  return contrastRatio(LIGHT_TEXT, background) >= contrastRatio(DARK_TEXT, background) ? LIGHT_TEXT : DARK_TEXT;
}
