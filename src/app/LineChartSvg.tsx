// The lab's line chart, drawn as plain SVG: axes on ticks computed beforehand,
// one path per series, collapse markers, and a tooltip with every series'
// value at the hovered x. A redraw is a few path strings, so charts updating
// every second while runs train stay far below a frame's budget (recharts,
// used before, re-rendered its own store after each commit: 50–120 ms of main
// thread per chart with three runs training on a CPU adapter; npm run
// bench:redraw).

import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { ChartTable } from './chart-data';

export interface LineChartProps {
  table: ChartTable;
  /** The rows' field holding x. */
  xKey: string;
  x: { domain: [number, number]; ticks: number[] };
  /** log₂ x axis (pass@k against k). */
  logX: boolean;
  xLabel: (v: number) => string;
  yLabel: (v: number) => string;
  /** Formats a value in the tooltip. */
  format: (v: number) => string;
  /** The axis title under the x axis, if any. */
  xTitle?: string;
  /** The tooltip's first line, for the hovered x. */
  cursorLabel: (x: number) => string;
  /** Dots at the points (for sparse data). */
  dots: boolean;
  height?: number;
}

const MARGIN = { top: 6, right: 12, bottom: 20, left: 48 };

/** The container's width, followed as it resizes. */
function useWidth(): [React.RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement | null>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}

/** One series' points in row order, skipping rows without a value (lines connect across them). */
export function seriesPoints(rows: ChartTable['rows'], xKey: string, key: string): [number, number][] {
  const out: [number, number][] = [];
  for (const r of rows) {
    const x = r[xKey], y = r[key];
    if (typeof x === 'number' && Number.isFinite(x) && typeof y === 'number' && Number.isFinite(y)) out.push([x, y]);
  }
  return out;
}

export function LineChartSvg({ table, xKey, x, logX, xLabel, yLabel, format, xTitle, cursorLabel, dots, height = 180 }: LineChartProps) {
  const [ref, width] = useWidth();
  const [hover, setHover] = useState<number | null>(null);
  const plotW = Math.max(10, width - MARGIN.left - MARGIN.right);
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const fx = useMemo(() => {
    const t = (v: number) => (logX ? Math.log2(Math.max(v, 1e-9)) : v);
    const [a, b] = [t(x.domain[0]), t(x.domain[1])];
    const span = b - a || 1;
    return (v: number) => MARGIN.left + ((t(v) - a) / span) * plotW;
  }, [x.domain, logX, plotW]);
  const fy = useMemo(() => {
    const [a, b] = table.y.domain;
    const span = b - a || 1;
    return (v: number) => MARGIN.top + plotH - ((Math.min(b, Math.max(a, v)) - a) / span) * plotH;
  }, [table.y.domain, plotH]);
  const lines = useMemo(
    () =>
      table.series.map((s) => {
        const pts = seriesPoints(table.rows, xKey, s.key);
        return { s, pts, d: pts.map(([px, py], i) => `${i ? 'L' : 'M'}${fx(px).toFixed(1)},${fy(py).toFixed(1)}`).join('') };
      }),
    [table.series, table.rows, xKey, fx, fy],
  );
  const hovered = hover === null ? null : table.rows[hover];

  const onMove = (e: React.MouseEvent<SVGSVGElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    const px = e.clientX - box.left;
    let best: number | null = null, bestD = Infinity;
    table.rows.forEach((r, i) => {
      const v = r[xKey];
      if (typeof v !== 'number') return;
      const d = Math.abs(fx(v) - px);
      if (d < bestD) [best, bestD] = [i, d];
    });
    setHover(best);
  };

  return (
    <div ref={ref} className="chart-plot" style={{ height }}>
      {width > 0 && (
        <svg className="chart-svg" width={width} height={height} onMouseMove={onMove} onMouseLeave={() => setHover(null)} role="img" aria-hidden="true">
          <g className="chart-grid-lines">
            {table.y.ticks.map((t) => (
              <line key={`y${t}`} x1={MARGIN.left} x2={MARGIN.left + plotW} y1={fy(t)} y2={fy(t)} />
            ))}
            {x.ticks.map((t) => (
              <line key={`x${t}`} x1={fx(t)} x2={fx(t)} y1={MARGIN.top} y2={MARGIN.top + plotH} />
            ))}
          </g>
          <g className="chart-y-ticks">
            {table.y.ticks.map((t) => (
              <text key={t} className="chart-tick" x={MARGIN.left - 6} y={fy(t)} dy="0.355em" textAnchor="end">
                {yLabel(t)}
              </text>
            ))}
          </g>
          <g className="chart-x-ticks">
            {x.ticks.map((t) => (
              <text key={t} className="chart-tick" x={fx(t)} y={MARGIN.top + plotH + 4} dy="0.71em" textAnchor="middle">
                {xLabel(t)}
              </text>
            ))}
          </g>
          {xTitle && (
            <text className="chart-tick" x={MARGIN.left + plotW} y={MARGIN.top + plotH - 4} textAnchor="end">
              {xTitle}
            </text>
          )}
          {table.markers.map((m) => (
            <g key={`marker-${m.label}`} className="chart-marker">
              <line x1={fx(m.x)} x2={fx(m.x)} y1={MARGIN.top} y2={MARGIN.top + plotH} stroke={m.color} strokeDasharray="2 2" strokeWidth={1.5} />
              <text x={fx(m.x) + 3} y={MARGIN.top + 11} fill={m.color} fontSize={11}>
                ⚠
              </text>
            </g>
          ))}
          {lines.map(({ s, pts, d }) => (
            <g key={s.key} className="chart-series">
              <path className="chart-line" d={d} fill="none" stroke={s.color} strokeDasharray={s.dash} strokeWidth={1.75} />
              {dots && pts.map(([px, py], i) => <circle key={i} cx={fx(px)} cy={fy(py)} r={2.5} fill={s.color} />)}
            </g>
          ))}
          {hovered && typeof hovered[xKey] === 'number' && <line className="chart-cursor" x1={fx(hovered[xKey] as number)} x2={fx(hovered[xKey] as number)} y1={MARGIN.top} y2={MARGIN.top + plotH} />}
        </svg>
      )}
      {hovered && (
        <div className="chart-tooltip" role="tooltip" style={{ left: Math.min(Math.max(0, fx(hovered[xKey] ?? 0) + 8), Math.max(0, width - 180)) }}>
          <div>{cursorLabel(hovered[xKey] ?? Number.NaN)}</div>
          {table.series.map((s) => {
            const v = hovered[s.key];
            return typeof v === 'number' && Number.isFinite(v) ? (
              <div key={s.key}>
                <span className="chart-tooltip-swatch" style={{ background: s.color }} /> {s.name}: {format(v)}
              </div>
            ) : null;
          })}
        </div>
      )}
    </div>
  );
}
