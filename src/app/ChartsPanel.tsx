import { useDeferredValue, useMemo } from 'react';
import { METRICS, cachedDiversityTable, cachedMetricTable, cachedPassAtKTable } from './chart-data';
import { MetricChart } from './MetricChart';
import { useLab } from './store';

/** The ks any evaluation reported, or powers of two up to the largest sample count configured. */
function availableKs(ks: number[], maxSamples: number): number[] {
  if (ks.length > 0) return ks;
  const out: number[] = [];
  for (let k = 1; k <= maxSamples; k *= 2) out.push(k);
  return out;
}

export function ChartsPanel() {
  // Charts render at low priority, in slices React can interrupt: buttons stay responsive while curves grow.
  const runs = useDeferredValue(useLab((s) => s.runs));
  const passK = useLab((s) => s.passK);
  const setPassK = useLab((s) => s.setPassK);
  const { passAtK, diversity, ks, k, tables } = useMemo(() => {
    const passAtK = cachedPassAtKTable(runs);
    const ks = availableKs(passAtK.ks, Math.max(1, ...runs.map((r) => r.config.evalSamples)));
    const k = ks.includes(passK) ? passK : (ks.at(-1) ?? 1);
    const tables = METRICS.map((m) => ({ metric: m, table: cachedMetricTable(runs, m, k) }));
    return { passAtK, diversity: cachedDiversityTable(runs), ks, k, tables };
  }, [runs, passK]);

  return (
    <section className="charts" aria-label="Charts">
      <div className="section-head">
        <h2>Curves</h2>
        <label>
          k for pass@k{' '}
          <select aria-label="k for pass@k" value={k} onChange={(e) => setPassK(Number(e.target.value))}>
            {ks.map((x) => (
              <option key={x} value={x}>
                {x}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="chart-grid">
        {tables.map(({ metric, table }, i) => (
          <MetricChart key={metric.id} slot={i + 1} title={metric.title(k)} help={metric.help} table={table} xKey="step" digits={metric.digits} />
        ))}
        <MetricChart slot={tables.length + 1} title="Distinct correct against pass@1" help="Each run's held-out evaluations in step order, from the base: a run that sharpens moves right and down (more often right, fewer different solutions); one that stays broad moves right and level" table={diversity} xKey="pass1" />
        <MetricChart slot={tables.length + 2} title="pass@k against k" help="Held-out pass@k for every k: the base model (step 0) and each run at its latest evaluation" table={passAtK} xKey="k" logTicks={passAtK.ks} />
      </div>
    </section>
  );
}
