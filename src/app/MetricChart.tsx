import { memo, startTransition, useEffect, useMemo, useRef, useState } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { linearTicks, niceDomain, tickLabels } from '../metrics/axis';
import type { ChartTable } from './chart-data';

interface Props {
  title: string;
  help: string;
  table: ChartTable;
  /** step: over training; k: pass@k against k; pass1: a trajectory against held-out pass@1. */
  xKey: 'step' | 'k' | 'pass1';
  /** Significant digits in the tooltip. */
  digits?: number;
  /** log2 x axis with these ticks (pass@k against k). */
  logTicks?: number[];
}

export const formatValue = (v: unknown, digits = 4): string => {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  if (digits === 0 || Math.abs(v) >= 10 ** digits) return Math.round(v).toLocaleString('en-US');
  return Number(v.toPrecision(digits)).toString();
};

/** Formats the axis' own ticks with labels that never repeat (metrics/axis.ts). */
export function useTickLabels(ticks: number[]): (v: number) => string {
  return useMemo(() => {
    const labels = tickLabels(ticks);
    const byTick = new Map(ticks.map((t, i) => [t, labels[i]]));
    return (v: number) => byTick.get(v) ?? formatValue(v, 3);
  }, [ticks]);
}

function Swatch({ color, dash, vertical = false }: { color: string; dash?: string; vertical?: boolean }) {
  return (
    <svg width="22" height="10" aria-hidden="true">
      {vertical ? <line x1="11" y1="0" x2="11" y2="10" stroke={color} strokeWidth="2" strokeDasharray="2 2" /> : <line x1="1" y1="5" x2="21" y2="5" stroke={color} strokeWidth="2" strokeDasharray={dash} />}
    </svg>
  );
}

/** What each line is (colour and dash as drawn), and what each collapse marker means. */
export function ChartLegend({ table }: { table: Pick<ChartTable, 'series' | 'markers'> }) {
  return (
    <ul className="chart-legend" aria-label="Legend">
      {table.series.map((s) => (
        <li key={s.key} title={s.name}>
          <Swatch color={s.color} dash={s.dash} />
          <span>{s.name}</span>
        </li>
      ))}
      {table.markers.map((m) => (
        <li key={`marker-${m.label}`} className="chart-legend-marker" title={m.label}>
          <Swatch color={m.color} vertical />
          <span>⚠ {m.label}</span>
        </li>
      ))}
    </ul>
  );
}

/**
 * The x axis' domain and ticks, computed here rather than by recharts: given
 * explicit ticks shown at interval 0, recharts does not measure tick labels
 * in the DOM (a forced layout per label) to decide which ones fit.
 */
export function xAxisOf(rows: ChartTable['rows'], xKey: Props['xKey'], logTicks?: number[]): { domain: [number, number]; ticks: number[] } {
  if (xKey === 'pass1') return { domain: [0, 1], ticks: linearTicks(0, 1, 5) };
  const xs = rows.map((r) => r[xKey]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const lo = xs.length ? Math.min(...xs) : 0;
  const hi = xs.length ? Math.max(...xs) : 1;
  if (logTicks) return { domain: [lo, hi], ticks: logTicks };
  if (hi - lo < 1) return { domain: [lo, lo + 1], ticks: [lo, lo + 1] };
  // Steps are whole numbers: ticks on whole steps inside the data, domain exactly the data's.
  const [a, b] = niceDomain(lo, hi);
  const ticks = linearTicks(a, b).filter((t) => Number.isInteger(t) && t >= lo && t <= hi);
  return { domain: [lo, hi], ticks: ticks.length >= 2 ? ticks : [lo, hi] };
}

interface TickProps {
  x?: string | number;
  y?: string | number;
  textAnchor?: string;
  verticalAnchor?: string;
  fill?: string;
  className?: string;
  payload?: { value?: unknown };
}

/**
 * A tick label as plain SVG text. Recharts' own <Text> measures each label's
 * words in the DOM (a forced layout each) because it is handed the axis width;
 * these labels are short numbers that never wrap.
 */
function axisTick(format: (v: number) => string) {
  return function AxisTick({ x, y, textAnchor, verticalAnchor, fill, className, payload }: TickProps) {
    const dy = verticalAnchor === 'start' ? '0.71em' : verticalAnchor === 'end' ? '0' : '0.355em';
    return (
      <text x={x} y={y} dy={dy} textAnchor={textAnchor as 'start' | 'middle' | 'end' | undefined} fill={fill} fontSize={11} className={className}>
        {format(Number(payload?.value))}
      </text>
    );
  };
}

/** One live line chart; every run is a line, the tooltip shows exact values at the hovered step. */
function MetricChartView({ title, help, table, xKey, digits = 6, logTicks }: Props) {
  const empty = table.series.length === 0;
  const yLabel = useTickLabels(table.y.ticks);
  const x = useMemo(() => xAxisOf(table.rows, xKey, logTicks), [table.rows, xKey, logTicks]);
  const xLabel = useTickLabels(x.ticks);
  const xTick = useMemo(() => axisTick(xLabel), [xLabel]);
  const yTick = useMemo(() => axisTick(yLabel), [yLabel]);
  return (
    <figure className="chart" aria-label={title} data-series={table.series.length} data-points={table.rows.length} data-markers={table.markers.length}>
      <figcaption title={help}>{title}</figcaption>
      {/* The chart stays mounted while it is empty: the first points then update it instead of mounting
          recharts (a long main-thread task per chart, just when the runs start training). */}
      <div className="chart-body">
        <ResponsiveContainer width="100%" height={180}>
          <LineChart data={table.rows} margin={{ top: 6, right: 12, bottom: 2, left: 0 }}>
            <CartesianGrid stroke="#e5e7eb" />
            <XAxis
              dataKey={xKey}
              type="number"
              domain={x.domain}
              scale={logTicks ? 'log' : 'auto'}
              ticks={x.ticks}
              interval={0}
              allowDecimals={xKey === 'pass1'}
              tick={xTick}
              label={xKey === 'k' ? { value: 'k (log₂)', position: 'insideBottomRight', offset: -2, fontSize: 11 } : xKey === 'pass1' ? { value: 'pass@1', position: 'insideBottomRight', offset: -2, fontSize: 11 } : undefined}
            />
            <YAxis width={48} tick={yTick} domain={table.y.domain} ticks={table.y.ticks} interval={0} />
            <Tooltip
              isAnimationActive={false}
              labelFormatter={(x) => (xKey === 'pass1' ? `pass@1 ${formatValue(x, 3)}` : `${xKey === 'k' ? 'k' : 'step'} ${x}`)}
              formatter={(v) => formatValue(v, digits)}
              contentStyle={{ fontSize: 12 }}
            />
            {table.series.map((s) => (
              <Line key={s.key} dataKey={s.key} name={s.name} stroke={s.color} strokeDasharray={s.dash} dot={xKey !== 'step' || table.rows.length < 3} strokeWidth={1.75} isAnimationActive={false} connectNulls type="linear" />
            ))}
            {table.markers.map((m) => (
              <ReferenceLine key={`marker-${m.label}`} x={m.x} stroke={m.color} strokeDasharray="2 2" strokeWidth={1.5} label={{ value: '⚠', position: 'insideTopLeft', fontSize: 11, fill: m.color }} />
            ))}
          </LineChart>
        </ResponsiveContainer>
        {empty && <p className="chart-empty">{xKey === 'step' ? 'No points yet.' : 'Appears after the first evaluation.'}</p>}
      </div>
      {!empty && <ChartLegend table={table} />}
    </figure>
  );
}

const ChartView = memo(MetricChartView);

/**
 * Shows the latest table at most once per `everyMs`, `offsetMs` into its slot,
 * as a transition: React renders it in slices it can interrupt, so a redraw
 * never holds the main thread for long, and charts redraw one after another
 * instead of all in one task. Live curves lag by at most about two seconds.
 */
function useThrottled<T>(value: T, everyMs: number, offsetMs: number): T {
  const [shown, setShown] = useState(value);
  const last = useRef(-Infinity);
  useEffect(() => {
    if (shown === value) return;
    const wait = Math.max(offsetMs, last.current + everyMs - performance.now());
    const timer = setTimeout(() => {
      last.current = performance.now();
      startTransition(() => setShown(value));
    }, wait);
    return () => clearTimeout(timer);
  }, [value, shown, everyMs, offsetMs]);
  return shown;
}

/** The shortest time between two redraws of one chart. */
const REDRAW_EVERY_MS = 1000;
/**
 * Charts take turns within that second, this far apart: far enough that one
 * chart's redraw (recharts re-renders its own store synchronously after each
 * commit) is finished before the next begins, so redraws never pile up into
 * one long main-thread task (npm run bench:redraw measures it).
 */
const SLOT_MS = 80;

/** Redraws only when its table changes, in its own slot (`slot` × SLOT_MS after the data). */
export const MetricChart = memo(function MetricChart({ slot = 0, ...props }: Props & { slot?: number }) {
  const table = useThrottled(props.table, REDRAW_EVERY_MS, slot * SLOT_MS);
  return <ChartView {...props} table={table} />;
});
