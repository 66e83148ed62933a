import { memo, startTransition, useEffect, useMemo, useRef, useState } from 'react';
import { linearTicks, niceDomain, tickLabels } from '../metrics/axis';
import type { ChartTable } from './chart-data';
import { type LineChartProps, LineChartSvg } from './LineChartSvg';

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

/** The x axis' domain and ticks: whole numbers inside the data for steps and counts, [0, 1] for pass@1, the given ks for a log₂ axis. */
export function xAxisOf(rows: ChartTable['rows'], xKey: string, logTicks?: number[]): { domain: [number, number]; ticks: number[] } {
  if (xKey === 'pass1') return { domain: [0, 1], ticks: linearTicks(0, 1, 5) };
  const xs = rows.map((r) => r[xKey]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const lo = xs.length ? Math.min(...xs) : 0;
  const hi = xs.length ? Math.max(...xs) : 1;
  if (logTicks) return { domain: [lo, hi], ticks: logTicks };
  if (hi - lo < 1) return { domain: [lo, lo + 1], ticks: [lo, lo + 1] };
  // Steps and token counts are whole numbers: ticks on whole numbers inside the data, domain exactly the data's.
  const [a, b] = niceDomain(lo, hi);
  const ticks = linearTicks(a, b).filter((t) => Number.isInteger(t) && t >= lo && t <= hi);
  return { domain: [lo, hi], ticks: ticks.length >= 2 ? ticks : [lo, hi] };
}

/** A chart's figure: its caption, the plot (with `emptyText` over it while there is no series yet) and the legend. */
export function ChartFigure({ title, help, emptyText, ...plot }: LineChartProps & { title: string; help?: string; emptyText: string }) {
  const { table } = plot;
  const empty = table.series.length === 0;
  return (
    <figure className="chart" aria-label={title} data-series={table.series.length} data-points={table.rows.length} data-markers={table.markers.length}>
      <figcaption title={help}>{title}</figcaption>
      <div className="chart-body">
        <LineChartSvg {...plot} />
        {empty && <p className="chart-empty">{emptyText}</p>}
      </div>
      {!empty && <ChartLegend table={table} />}
    </figure>
  );
}

/** One live line chart; every run is a line, the tooltip shows exact values at the hovered step. */
function MetricChartView({ title, help, table, xKey, digits = 6, logTicks }: Props) {
  const yLabel = useTickLabels(table.y.ticks);
  const x = useMemo(() => xAxisOf(table.rows, xKey, logTicks), [table.rows, xKey, logTicks]);
  const xLabel = useTickLabels(x.ticks);
  const format = useMemo(() => (v: number) => formatValue(v, digits), [digits]);
  return (
    <ChartFigure
      title={title}
      help={help}
      emptyText={xKey === 'step' ? 'No points yet.' : 'Appears after the first evaluation.'}
      table={table}
      xKey={xKey}
      x={x}
      logX={!!logTicks}
      xLabel={xLabel}
      yLabel={yLabel}
      format={format}
      xTitle={xKey === 'k' ? 'k (log₂)' : xKey === 'pass1' ? 'pass@1' : undefined}
      cursorLabel={(v) => (xKey === 'pass1' ? `pass@1 ${formatValue(v, 3)}` : `${xKey === 'k' ? 'k' : 'step'} ${v}`)}
      dots={xKey !== 'step' || table.rows.length < 3}
    />
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
 * Charts take turns within that second, this far apart, so that redraws
 * never pile up into one main-thread task (npm run bench:redraw measures it).
 */
const SLOT_MS = 80;

/** Redraws only when its table changes, in its own slot (`slot` × SLOT_MS after the data). */
export const MetricChart = memo(function MetricChart({ slot = 0, ...props }: Props & { slot?: number }) {
  const table = useThrottled(props.table, REDRAW_EVERY_MS, slot * SLOT_MS);
  return <ChartView {...props} table={table} />;
});
