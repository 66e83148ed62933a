// A dependency-free SVG line plot for reports written from Node: named series
// of (x, y) points with optional error bars or bands, a linear or log₂ x axis
// (pass@k against k), ticks, axis labels and a legend, in the lab's palette.

import { linearTicks, log2Ticks, niceDomain, tickLabels, yAxis } from './axis';
import { ALGORITHM_COLORS, CHART_BACKGROUND, OTHER_COLORS, type PaletteKey } from './palette';

/** The palette key a series name starts with as a word ("GRPO seed 2", "D³S", "rover-k8"); null if none. */
export function algorithmKey(name: string): PaletteKey | null {
  const firstWord = name.toLowerCase().replace(/³/g, '3').split(/[^a-z0-9]+/).find((w) => w.length > 0);
  return firstWord !== undefined && firstWord in ALGORITHM_COLORS ? (firstWord as PaletteKey) : null;
}

/** The algorithm's colour, else a fixed fallback chosen by the series' position. */
export function seriesColor(name: string, index: number): string {
  const key = algorithmKey(name);
  return key !== null ? ALGORITHM_COLORS[key] : OTHER_COLORS[index % OTHER_COLORS.length];
}

export interface PlotPoint {
  x: number;
  y: number;
  /** Lower and upper end of an interval around y, e.g. a bootstrap CI. */
  low?: number;
  high?: number;
}

export interface PlotSeries {
  name: string;
  points: readonly PlotPoint[];
  color?: string;
  dashed?: boolean;
}

export interface LinePlotOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** Log₂ x axis with ticks at powers of two; every x must be positive. */
  logX?: boolean;
  xDomain?: readonly [number, number];
  yDomain?: readonly [number, number];
  /** How intervals are drawn. */
  intervals?: 'bars' | 'band';
  /** Prefix for element ids, so several plots can share one HTML page. */
  idPrefix?: string;
}

export interface PlotBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

const FONT_SIZE = 12;
const CHAR_WIDTH = 7; // rough advance of a 12px sans-serif glyph, to size the legend
const LEGEND_ROW = 18;
const MARKER_RADIUS = 3;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Pixel coordinates at 0.01 px: enough for any screen, and short output. */
function px(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** Maps a data value to a pixel position; `log` maps through log₂. */
export function makeScale(domain: readonly [number, number], range: readonly [number, number], log = false): (v: number) => number {
  const t = log ? Math.log2 : (v: number) => v;
  const d0 = t(domain[0]);
  const span = t(domain[1]) - d0;
  return (v) => range[0] + ((t(v) - d0) / span) * (range[1] - range[0]);
}

function dataExtent(values: number[]): [number, number] | null {
  const finite = values.filter(Number.isFinite);
  return finite.length === 0 ? null : [Math.min(...finite), Math.max(...finite)];
}

function resolveDomains(series: readonly PlotSeries[], options: LinePlotOptions): { x: [number, number]; y: [number, number] } {
  const points = series.flatMap((s) => s.points);
  if (options.logX && points.some((p) => Number.isFinite(p.x) && p.x <= 0)) throw new Error('linePlotSvg: a log₂ x axis needs every x > 0');
  const xs = dataExtent(points.map((p) => p.x));
  const ys = dataExtent(points.flatMap((p) => [p.y, p.low ?? NaN, p.high ?? NaN]));
  if ((!options.xDomain && !xs) || (!options.yDomain && !ys)) throw new Error('linePlotSvg: no finite points to plot and no domain given');
  let x: [number, number];
  if (options.xDomain) x = [options.xDomain[0], options.xDomain[1]];
  else if (options.logX) x = [2 ** Math.floor(Math.log2(xs![0])), 2 ** Math.ceil(Math.log2(xs![1]))];
  else x = niceDomain(xs![0], xs![1]);
  if (x[0] === x[1]) x = options.logX ? [x[0] / 2, x[1] * 2] : niceDomain(x[0], x[1]);
  const y = options.yDomain ? yAxis(0, 0, options.yDomain).domain : yAxis(ys![0], ys![1]).domain;
  if (options.logX && !(x[0] > 0)) throw new Error(`linePlotSvg: a log₂ x axis needs a positive domain, got [${x}]`);
  if (!(x[1] > x[0] && y[1] > y[0])) throw new Error(`linePlotSvg: empty or reversed domain x=[${x}] y=[${y}]`);
  return { x, y };
}

/** Where the plot area lands inside the SVG for these options and series names. */
export function plotBox(series: readonly PlotSeries[], options: LinePlotOptions = {}): PlotBox {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const longestName = Math.max(0, ...series.map((s) => s.name.length));
  const legendWidth = series.length > 0 ? 40 + longestName * CHAR_WIDTH : 0;
  const left = options.yLabel ? 72 : 56;
  const top = options.title ? 36 : 16;
  const bottom = options.xLabel ? 52 : 32;
  const right = 16 + legendWidth;
  return { left, top, width: Math.max(1, width - left - right), height: Math.max(1, height - top - bottom) };
}

type Project = (p: { x: number; y: number }) => [number, number];

/** A polyline per run of finite points: a NaN (e.g. a skipped evaluation) breaks the line. */
function seriesLines(points: readonly PlotPoint[], project: Project, color: string, dashed: boolean): string[] {
  const runs: string[][] = [[]];
  for (const p of points) {
    if (Number.isFinite(p.x) && Number.isFinite(p.y)) runs[runs.length - 1].push(project(p).map(px).join(','));
    else if (runs[runs.length - 1].length > 0) runs.push([]);
  }
  const dash = dashed ? ' stroke-dasharray="6 4"' : '';
  return runs
    .filter((run) => run.length > 1)
    .map((run) => `<polyline points="${run.join(' ')}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
}

function intervalMarks(points: readonly PlotPoint[], project: Project, color: string, style: 'bars' | 'band'): string[] {
  const withInterval = points.filter(
    (p) => Number.isFinite(p.x) && p.low !== undefined && p.high !== undefined && Number.isFinite(p.low) && Number.isFinite(p.high),
  );
  if (withInterval.length === 0) return [];
  if (style === 'band') {
    const upper = withInterval.map((p) => project({ x: p.x, y: p.high! }));
    const lower = withInterval.map((p) => project({ x: p.x, y: p.low! })).reverse();
    const outline = [...upper, ...lower].map((c) => c.map(px).join(',')).join(' ');
    return [`<polygon class="band" points="${outline}" fill="${color}" fill-opacity="0.18" stroke="none"/>`];
  }
  const cap = 4;
  return withInterval.map((p) => {
    const [x, yLow] = project({ x: p.x, y: p.low! });
    const yHigh = project({ x: p.x, y: p.high! })[1];
    const d = `M${px(x)},${px(yLow)}V${px(yHigh)}M${px(x - cap)},${px(yLow)}H${px(x + cap)}M${px(x - cap)},${px(yHigh)}H${px(x + cap)}`;
    return `<path class="error-bar" d="${d}" stroke="${color}" stroke-width="1.2" fill="none"/>`;
  });
}

function axes(box: PlotBox, domains: { x: [number, number]; y: [number, number] }, options: LinePlotOptions): string[] {
  const xScale = makeScale(domains.x, [box.left, box.left + box.width], options.logX);
  const yScale = makeScale(domains.y, [box.top + box.height, box.top]);
  const xTicks = options.logX ? log2Ticks(domains.x[0], domains.x[1]) : linearTicks(domains.x[0], domains.x[1]);
  const yTicks = linearTicks(domains.y[0], domains.y[1]);
  const bottom = box.top + box.height;
  const out = [`<g class="axes" stroke="#d9d9d9" stroke-width="1">`];
  for (const t of xTicks) out.push(`<line x1="${px(xScale(t))}" y1="${px(box.top)}" x2="${px(xScale(t))}" y2="${px(bottom)}"/>`);
  for (const t of yTicks) out.push(`<line x1="${px(box.left)}" y1="${px(yScale(t))}" x2="${px(box.left + box.width)}" y2="${px(yScale(t))}"/>`);
  out.push('</g>', `<g class="tick-labels" fill="#333">`);
  const xLabels = tickLabels(xTicks);
  const yLabels = tickLabels(yTicks);
  xTicks.forEach((t, i) => out.push(`<text x="${px(xScale(t))}" y="${px(bottom + 16)}" text-anchor="middle">${xLabels[i]}</text>`));
  yTicks.forEach((t, i) => out.push(`<text x="${px(box.left - 6)}" y="${px(yScale(t) + 4)}" text-anchor="end">${yLabels[i]}</text>`));
  out.push('</g>');
  out.push(`<rect class="plot-area" x="${px(box.left)}" y="${px(box.top)}" width="${px(box.width)}" height="${px(box.height)}" fill="none" stroke="#333"/>`);
  if (options.xLabel) {
    out.push(`<text class="x-label" x="${px(box.left + box.width / 2)}" y="${px(bottom + 40)}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`);
  }
  if (options.yLabel) {
    const cx = px(box.left - 52);
    const cy = px(box.top + box.height / 2);
    out.push(`<text class="y-label" x="${cx}" y="${cy}" text-anchor="middle" transform="rotate(-90 ${cx} ${cy})">${escapeXml(options.yLabel)}</text>`);
  }
  return out;
}

function legend(series: readonly PlotSeries[], colors: string[], box: PlotBox): string[] {
  const x = box.left + box.width + 16;
  const out = ['<g class="legend">'];
  series.forEach((s, i) => {
    const y = box.top + 8 + i * LEGEND_ROW;
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    out.push(`<line x1="${px(x)}" y1="${px(y)}" x2="${px(x + 24)}" y2="${px(y)}" stroke="${colors[i]}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${px(x + 30)}" y="${px(y + 4)}">${escapeXml(s.name)}</text>`);
  });
  out.push('</g>');
  return out;
}

/** A standalone SVG document plotting each series as a line with point markers. */
export function linePlotSvg(series: readonly PlotSeries[], options: LinePlotOptions = {}): string {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const box = plotBox(series, options);
  const domains = resolveDomains(series, options);
  const xScale = makeScale(domains.x, [box.left, box.left + box.width], options.logX);
  const yScale = makeScale(domains.y, [box.top + box.height, box.top]);
  const project: Project = (p) => [xScale(p.x), yScale(p.y)];
  const colors = series.map((s, i) => escapeXml(s.color ?? seriesColor(s.name, i)));
  const clipId = `${options.idPrefix ?? 'plot'}-clip`;

  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="${FONT_SIZE}">`,
    // The clip reaches a marker radius past the box so points on its edge stay whole.
    `<defs><clipPath id="${escapeXml(clipId)}"><rect x="${px(box.left - MARKER_RADIUS)}" y="${px(box.top - MARKER_RADIUS)}" width="${px(box.width + 2 * MARKER_RADIUS)}" height="${px(box.height + 2 * MARKER_RADIUS)}"/></clipPath></defs>`,
    `<rect width="${width}" height="${height}" fill="${CHART_BACKGROUND}"/>`,
  ];
  if (options.title) out.push(`<text class="title" x="${px(width / 2)}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(options.title)}</text>`);
  out.push(...axes(box, domains, options));
  out.push(`<g clip-path="url(#${escapeXml(clipId)})">`);
  series.forEach((s, i) => {
    out.push(`<g class="series" data-name="${escapeXml(s.name)}">`);
    out.push(...intervalMarks(s.points, project, colors[i], options.intervals ?? 'bars'));
    out.push(...seriesLines(s.points, project, colors[i], s.dashed ?? false));
    for (const p of s.points) {
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
      const [cx, cy] = project(p);
      out.push(`<circle cx="${px(cx)}" cy="${px(cy)}" r="${MARKER_RADIUS}" fill="${colors[i]}"/>`);
    }
    out.push('</g>');
  });
  out.push('</g>', ...legend(series, colors, box), '</svg>');
  return out.join('\n') + '\n';
}
