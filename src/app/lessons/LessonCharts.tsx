// Charts over a lesson's runs only: any train metric against step (the lab's
// MetricChart), pass@k against k, and one metric against another (reward
// against tokens spent).

import { useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { TrainRow } from '../../rl/types';
import { yAxis } from '../../metrics/axis';
import { diversityTable, type MetricDef, METRICS, metricTable, passAtKTable, runStyles } from '../chart-data';
import { ChartLegend, MetricChart, formatValue, useTickLabels } from '../MetricChart';
import type { LabRun } from '../store';

export function trainMetric(id: string, title: string, help: string, get: (r: TrainRow) => number | null, fixedY?: [number, number]): MetricDef {
  return { id, title: () => title, help, fixedY, source: 'train', parts: [{ get }] };
}

export const labMetric = (id: string): MetricDef => METRICS.find((m) => m.id === id)!;

export function StepChart({ runs, metric, k = 1 }: { runs: LabRun[]; metric: MetricDef; k?: number }) {
  const table = useMemo(() => metricTable(runs, metric, k), [runs, metric, k]);
  return <MetricChart title={metric.title(k)} help={metric.help} table={table} xKey="step" digits={metric.digits} />;
}

export function PassAtKChart({ runs }: { runs: LabRun[] }) {
  const table = useMemo(() => passAtKTable(runs), [runs]);
  return <MetricChart title="pass@k against k" help="Held-out pass@k for every k: the base model (step 0) and each run at its latest evaluation" table={table} xKey="k" logTicks={table.ks} />;
}

/** Distinct correct solutions against held-out pass@1, each run from its base evaluation on. */
export function DiversityChart({ runs }: { runs: LabRun[] }) {
  const table = useMemo(() => diversityTable(runs), [runs]);
  return <MetricChart title="Distinct correct against pass@1" help="Each run's held-out evaluations in step order, from the base: sharpening moves right and down, breadth right and level" table={table} xKey="pass1" />;
}

/** What sharpening looks like: pass@k against k, distinct correct against pass@1, and these lab metrics against step. */
export function OutcomeCharts({ runs, metrics }: { runs: LabRun[]; metrics: string[] }) {
  return (
    <div className="lesson-charts">
      <PassAtKChart runs={runs} />
      <DiversityChart runs={runs} />
      {metrics.map((id) => (
        <StepChart key={id} runs={runs} metric={labMetric(id)} />
      ))}
    </div>
  );
}

/** y against x, one line per run, from the runs' training rows; `fixedY` for a rate. */
export function XYChart({ runs, title, x, y, xLabel, fixedY }: { runs: LabRun[]; title: string; xLabel: string; x: (r: TrainRow) => number; y: (r: TrainRow) => number; fixedY?: [number, number] }) {
  const styles = runStyles(runs);
  const points = runs.reduce((n, r) => n + r.train.length, 0);
  const axis = useMemo(() => {
    const ys = runs.flatMap((r) => r.train.map(y)).filter(Number.isFinite);
    return ys.length > 0 ? yAxis(Math.min(...ys), Math.max(...ys), fixedY) : yAxis(0, 1, fixedY);
  }, [runs, y, fixedY]);
  const yLabel = useTickLabels(axis.ticks);
  const legend = { series: runs.filter((r) => r.train.length > 0).map((r) => ({ key: r.id, name: r.name, ...styles.get(r.id)! })), markers: [] };
  return (
    <figure className="chart" aria-label={title} data-series={runs.filter((r) => r.train.length > 0).length} data-points={points}>
      <figcaption>{title}</figcaption>
      {points === 0 ? (
        <p className="chart-empty">No points yet.</p>
      ) : (
        <ResponsiveContainer width="100%" height={180}>
          <LineChart margin={{ top: 6, right: 12, bottom: 2, left: 0 }}>
            <CartesianGrid stroke="#e5e7eb" />
            <XAxis dataKey="x" type="number" domain={['dataMin', 'dataMax']} tick={{ fontSize: 11 }} label={{ value: xLabel, position: 'insideBottomRight', offset: -2, fontSize: 11 }} />
            <YAxis width={48} tick={{ fontSize: 11 }} tickFormatter={yLabel} domain={axis.domain} ticks={axis.ticks} interval={0} />
            <Tooltip isAnimationActive={false} labelFormatter={(v) => `${xLabel} ${formatValue(v, 6)}`} formatter={(v) => formatValue(v, 4)} contentStyle={{ fontSize: 12 }} />
            {runs.map((r) => (
              <Line key={r.id} data={r.train.map((row) => ({ x: x(row), y: y(row) }))} dataKey="y" name={r.name} stroke={styles.get(r.id)!.color} strokeDasharray={styles.get(r.id)!.dash} dot={false} strokeWidth={1.75} isAnimationActive={false} />
            ))}
          </LineChart>
        </ResponsiveContainer>
      )}
      {points > 0 && <ChartLegend table={legend} />}
    </figure>
  );
}
