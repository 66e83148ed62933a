import { memo, useEffect, useState } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ChartTable } from './chart-data';

interface Props {
  title: string;
  help: string;
  table: ChartTable;
  xKey: 'step' | 'k';
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

/** One live line chart; every run is a line, the tooltip shows exact values at the hovered step. */
function MetricChartView({ title, help, table, xKey, digits = 6, logTicks }: Props) {
  const empty = table.series.length === 0;
  return (
    <figure className="chart" aria-label={title} data-series={table.series.length} data-points={table.rows.length}>
      <figcaption title={help}>{title}</figcaption>
      {empty ? (
        <p className="chart-empty">{xKey === 'k' ? 'Appears after the first evaluation.' : 'No points yet.'}</p>
      ) : (
        <ResponsiveContainer width="100%" height={180}>
          <LineChart data={table.rows} margin={{ top: 6, right: 12, bottom: 2, left: 0 }}>
            <CartesianGrid stroke="#e5e7eb" />
            <XAxis
              dataKey={xKey}
              type="number"
              domain={['dataMin', 'dataMax']}
              scale={logTicks ? 'log' : 'auto'}
              ticks={logTicks}
              allowDecimals={false}
              tick={{ fontSize: 11 }}
              label={xKey === 'k' ? { value: 'k (log₂)', position: 'insideBottomRight', offset: -2, fontSize: 11 } : undefined}
            />
            <YAxis width={48} tick={{ fontSize: 11 }} tickFormatter={(v: number) => formatValue(v, 3)} domain={['auto', 'auto']} />
            <Tooltip
              isAnimationActive={false}
              labelFormatter={(x) => `${xKey === 'k' ? 'k' : 'step'} ${x}`}
              formatter={(v) => formatValue(v, digits)}
              contentStyle={{ fontSize: 12 }}
            />
            {table.series.map((s) => (
              <Line key={s.key} dataKey={s.key} name={s.name} stroke={s.color} strokeDasharray={s.dash} dot={xKey === 'k' || table.rows.length < 3} strokeWidth={1.75} isAnimationActive={false} connectNulls type="linear" />
            ))}
          </LineChart>
        </ResponsiveContainer>
      )}
    </figure>
  );
}

const ChartView = memo(MetricChartView);

/**
 * Shows a new table `delayMs` after it arrives. Charts get different delays,
 * so a batch of new rows redraws them one per task instead of all in one long task.
 */
function useStaggered<T>(value: T, delayMs: number): T {
  const [shown, setShown] = useState(value);
  useEffect(() => {
    if (shown === value) return;
    const timer = setTimeout(() => setShown(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, shown, delayMs]);
  return shown;
}

/** Redraws only when its table changes, in its own slot (`slot` × a few ms after the data). */
export const MetricChart = memo(function MetricChart({ slot = 0, ...props }: Props & { slot?: number }) {
  const table = useStaggered(props.table, slot * 8);
  return <ChartView {...props} table={table} />;
});
