import { describe, expect, it } from 'vitest';
import { ALGORITHM_COLORS } from './palette';
import {
  algorithmKey,
  linePlotSvg,
  makeScale,
  plotBox,
  seriesColor,
  type PlotBox,
  type PlotSeries,
} from './svg-plot';

/** Throws unless every opening tag is closed in order; returns the tag names seen. */
function checkBalancedTags(svg: string): string[] {
  const stack: string[] = [];
  const names: string[] = [];
  for (const match of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)([^>]*?)(\/?)>/g)) {
    const [, closing, name, , selfClosing] = match;
    names.push(name);
    if (selfClosing) continue;
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else stack.push(name);
  }
  if (stack.length > 0) throw new Error(`unclosed: ${stack.join(', ')}`);
  return names;
}

function numberAttr(tag: string, name: string): number {
  const m = new RegExp(`\\s${name}="([^"]+)"`).exec(tag);
  if (!m) throw new Error(`no ${name} in ${tag}`);
  return Number(m[1]);
}

function plotArea(svg: string): PlotBox {
  const tag = /<rect class="plot-area"[^>]*>/.exec(svg)![0];
  return { left: numberAttr(tag, 'x'), top: numberAttr(tag, 'y'), width: numberAttr(tag, 'width'), height: numberAttr(tag, 'height') };
}

function circles(svg: string): [number, number][] {
  return [...svg.matchAll(/<circle[^>]*>/g)].map((m) => [numberAttr(m[0], 'cx'), numberAttr(m[0], 'cy')]);
}

const passAtKSeries: PlotSeries[] = [
  { name: 'base', points: [1, 2, 4, 8, 16].map((k) => ({ x: k, y: 1 - 0.8 ** k })), dashed: true },
  { name: 'GRPO', points: [1, 2, 4, 8, 16].map((k) => ({ x: k, y: 1 - 0.6 ** k, low: 1 - 0.55 ** k, high: 1 - 0.65 ** k })) },
  { name: 'D³S <seed & 2>', points: [1, 2, 4, 8, 16].map((k) => ({ x: k, y: 0.3 + 0.04 * k })) },
];

describe('palette', () => {
  it('keys series names to algorithms', () => {
    expect(algorithmKey('GRPO')).toBe('grpo');
    expect(algorithmKey('rover-k8 seed 3')).toBe('rover');
    expect(algorithmKey('D³S')).toBe('d3s');
    expect(algorithmKey('base model')).toBe('base');
    expect(algorithmKey('baseline')).toBeNull();
    expect(algorithmKey('ppo')).toBeNull();
    expect(seriesColor('ROVER', 5)).toBe(ALGORITHM_COLORS.rover);
    expect(new Set(Object.values(ALGORITHM_COLORS)).size).toBe(4);
    const others = [0, 1, 2].map((i) => seriesColor('other', i));
    expect(new Set(others).size).toBe(3);
    for (const c of others) expect(Object.values(ALGORITHM_COLORS)).not.toContain(c);
  });
});

describe('scales and ticks', () => {
  it('maps domain ends onto range ends, linearly or through log₂', () => {
    const lin = makeScale([0, 10], [100, 300]);
    expect([lin(0), lin(5), lin(10)]).toEqual([100, 200, 300]);
    const log = makeScale([1, 16], [0, 400], true);
    expect([log(1), log(2), log(4), log(16)]).toEqual([0, 100, 200, 400]);
    const flipped = makeScale([0, 1], [250, 50]);
    expect(flipped(0.25)).toBe(200);
  });
});

describe('linePlotSvg', () => {
  const svg = linePlotSvg(passAtKSeries, { logX: true, title: 'pass@k', xLabel: 'k', yLabel: 'pass@k' });

  it('is a balanced, standalone SVG document', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const tags = checkBalancedTags(svg);
    expect(tags).toContain('polyline');
    expect(tags).toContain('path'); // GRPO's error bars
    // Every ampersand starts an entity.
    expect(svg.match(/&(?!amp;|lt;|gt;|quot;)/g)).toBeNull();
  });

  it('names every series, escaped, in the legend', () => {
    for (const name of ['base', 'GRPO', 'D³S &lt;seed &amp; 2&gt;']) expect(svg).toContain(`>${name}</text>`);
    expect(svg).toContain(`stroke="${ALGORITHM_COLORS.grpo}"`);
    expect(svg).toContain(`stroke="${ALGORITHM_COLORS.d3s}"`);
    expect(svg).toContain('stroke-dasharray');
  });

  it('maps every point into the plot box, k on a log₂ axis', () => {
    const box = plotArea(svg);
    expect(box).toEqual(plotBox(passAtKSeries, { title: 'pass@k', xLabel: 'k', yLabel: 'pass@k' }));
    const marks = circles(svg);
    expect(marks.length).toBe(15);
    for (const [cx, cy] of marks) {
      expect(cx).toBeGreaterThanOrEqual(box.left);
      expect(cx).toBeLessThanOrEqual(box.left + box.width);
      expect(cy).toBeGreaterThanOrEqual(box.top);
      expect(cy).toBeLessThanOrEqual(box.top + box.height);
    }
    // k = 1, 2, 4, 8, 16 fill the log axis in equal steps from edge to edge.
    const xs = marks.slice(0, 5).map(([cx]) => cx);
    for (let i = 0; i < 5; i++) expect(xs[i]).toBeCloseTo(box.left + (i * box.width) / 4, 1);
  });

  it('places points exactly with explicit domains, higher y further up', () => {
    const series = [{ name: 'rover', points: [{ x: 0, y: 0 }, { x: 10, y: 1 }, { x: 5, y: 0.25 }] }];
    const plot = linePlotSvg(series, { xDomain: [0, 10], yDomain: [0, 1], width: 500, height: 300 });
    const box = plotArea(plot);
    const [a, b, c] = circles(plot);
    expect(a[0]).toBeCloseTo(box.left, 1);
    expect(a[1]).toBeCloseTo(box.top + box.height, 1);
    expect(b[0]).toBeCloseTo(box.left + box.width, 1);
    expect(b[1]).toBeCloseTo(box.top, 1);
    expect(c[0]).toBeCloseTo(box.left + box.width / 2, 1);
    expect(c[1]).toBeCloseTo(box.top + 0.75 * box.height, 1);
    expect(plot).toContain('width="500" height="300"');
  });

  it('draws intervals as a band when asked, and breaks lines at missing values', () => {
    const series = [{ name: 'grpo', points: [{ x: 1, y: 0.2, low: 0.1, high: 0.3 }, { x: 2, y: 0.4, low: 0.3, high: 0.5 }, { x: 3, y: NaN }, { x: 4, y: 0.5 }, { x: 5, y: 0.6 }] }];
    const plot = linePlotSvg(series, { intervals: 'band' });
    checkBalancedTags(plot);
    expect(plot.match(/<polygon class="band"/g)?.length).toBe(1);
    expect(plot).not.toContain('error-bar');
    expect(plot.match(/<polyline/g)?.length).toBe(2);
    expect(circles(plot).length).toBe(4);
  });

  it('refuses what it cannot draw', () => {
    expect(() => linePlotSvg([{ name: 'x', points: [{ x: 0, y: 1 }] }], { logX: true })).toThrow(/x > 0/);
    expect(() => linePlotSvg([{ name: 'x', points: [] }])).toThrow(/no finite points/);
    expect(() => linePlotSvg([{ name: 'x', points: [{ x: 1, y: 1 }] }], { yDomain: [1, 0] })).toThrow(/reversed/);
  });
});
