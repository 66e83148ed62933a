// Charts over a lesson's runs only: any train metric against step (the lab's
// MetricChart), pass@k against k, and one metric against another (reward
// against tokens spent).

import { useMemo } from 'react';
import type { TrainRow } from '../../rl/types';
import { yAxis } from '../../metrics/axis';
import { diversityTable, type MetricDef, METRICS, metricTable, passAtKTable, runStyles } from '../chart-data';
import { ChartFigure, MetricChart, formatValue, useTickLabels, xAxisOf } from '../MetricChart';
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
  const table = useMemo(() => {
    const styles = runStyles(runs);
    const rows = runs.flatMap((r) => r.train.map((row) => ({ x: x(row), [r.id]: y(row) })));
    const ys = rows.flatMap((r) => Object.entries(r).flatMap(([k, v]) => (k !== 'x' && Number.isFinite(v) ? [v] : [])));
    const axis = ys.length > 0 ? yAxis(Math.min(...ys), Math.max(...ys), fixedY) : yAxis(0, 1, fixedY);
    const series = runs.filter((r) => r.train.length > 0).map((r) => ({ key: r.id, name: r.name, ...styles.get(r.id)! }));
    return { rows, series, y: axis, markers: [] };
  }, [runs, x, y, fixedY]);
  const xAxis = useMemo(() => xAxisOf(table.rows, 'x'), [table.rows]);
  const yLabel = useTickLabels(table.y.ticks);
  const xTick = useTickLabels(xAxis.ticks);
  return (
    <ChartFigure
      title={title}
      emptyText="No points yet."
      table={table}
      xKey="x"
      x={xAxis}
      logX={false}
      xLabel={xTick}
      yLabel={yLabel}
      format={(v) => formatValue(v, 4)}
      xTitle={xLabel}
      cursorLabel={(v) => `${xLabel} ${formatValue(v, 6)}`}
      dots={false}
    />
  );
}
