// The comparison report: per algorithm, final metrics across seeds as an
// interquartile mean with a bootstrap 95% interval, as Markdown, and a
// pass@k-vs-k plot (SVG) of the base model and each algorithm.

import { passAtKOf } from '../metrics/passk';
import { iqmWithCI, MIN_SEEDS_FOR_INTERVAL } from '../metrics/stats';
import { type PlotSeries, linePlotSvg, seriesColor } from '../metrics/svg-plot';
import type { EvalRow, MetricsRow, TrainRow } from '../rl/types';

export interface RunResult {
  algo: string;
  seed: number;
  rows: MetricsRow[];
}

interface Column {
  title: string;
  value: (final: EvalRow, lastTrain: TrainRow | undefined) => number;
  digits: number;
}

const lastOf = <T extends MetricsRow['kind']>(rows: MetricsRow[], kind: T) => rows.filter((r) => r.kind === kind).at(-1) as Extract<MetricsRow, { kind: T }> | undefined;

function columns(maxK: number): Column[] {
  const pass = (k: number) => (e: EvalRow) => passAtKOf(e.passAtK, k) ?? NaN;
  return [
    { title: 'pass@1', value: pass(1), digits: 3 },
    { title: `pass@${maxK}`, value: pass(maxK), digits: 3 },
    { title: 'distinct correct / prompt', value: (e) => e.distinctCorrect, digits: 2 },
    { title: 'entropy (nats/token)', value: (e) => e.entropy, digits: 3 },
    { title: 'tokens used', value: (_e, t) => t?.tokensUsed ?? 0, digits: 0 },
  ];
}

/** Marks an interval from fewer than MIN_SEEDS_FOR_INTERVAL seeds. */
const FEW_SEEDS = '†';

function cell(values: number[], digits: number, seed: number): string {
  const ci = iqmWithCI(values, { resamples: 2000, confidence: 0.95, seed });
  const f = (x: number) => x.toFixed(digits);
  if (values.length < 2) return f(ci.estimate);
  return `${f(ci.estimate)} [${f(ci.low)}, ${f(ci.high)}]${values.length < MIN_SEEDS_FOR_INTERVAL ? FEW_SEEDS : ''}`;
}

export function compareTable(results: RunResult[]): string {
  const finals = results.map((r) => ({ ...r, final: lastOf(r.rows, 'eval')!, base: r.rows.find((x) => x.kind === 'eval') as EvalRow, train: lastOf(r.rows, 'train') }));
  const maxK = Math.max(...finals.map((f) => f.final.passAtK.at(-1)!.k));
  const cols = columns(maxK);
  const algos = [...new Set(results.map((r) => r.algo))];
  const lines = [`| | ${cols.map((c) => c.title).join(' | ')} |`, `| --- | ${cols.map(() => '---').join(' | ')} |`];
  // The base model: its step-0 evaluation, one per seed (identical across algorithms for a seed).
  const baseBySeed = new Map(finals.map((f) => [f.seed, f.base]));
  const baseRow = cols.map((c, i) => (c.title === 'tokens used' ? '0' : cell([...baseBySeed.values()].map((e) => c.value(e, undefined)), c.digits, 100 + i)));
  lines.push(`| base | ${baseRow.join(' | ')} |`);
  for (const algo of algos) {
    const runs = finals.filter((f) => f.algo === algo);
    lines.push(`| ${algo} | ${cols.map((c, i) => cell(runs.map((r) => c.value(r.final, r.train)), c.digits, 200 + i)).join(' | ')} |`);
  }
  const seeds = Math.min(...algos.map((a) => finals.filter((f) => f.algo === a).length));
  if (seeds > 1 && seeds < MIN_SEEDS_FOR_INTERVAL) lines.push('', `${FEW_SEEDS} From ${seeds} seeds: below ${MIN_SEEDS_FOR_INTERVAL} seeds a bootstrap interval is not meaningful; read it as the spread of the runs, not as a confidence interval.`);
  return lines.join('\n');
}

export function passAtKPlot(results: RunResult[], title: string): string {
  const curve = (evals: EvalRow[], name: string, index: number) => {
    const ks = evals[0].passAtK.map((p) => p.k);
    const points = ks.map((k, j) => {
      const ci = iqmWithCI(evals.map((e) => e.passAtK[j].value), { resamples: 1000, confidence: 0.95, seed: 7 + j });
      return { x: k, y: ci.estimate, low: ci.low, high: ci.high };
    });
    return { name, points, color: seriesColor(name, index) };
  };
  const bases = [...new Map(results.map((r) => [r.seed, r.rows.find((x) => x.kind === 'eval') as EvalRow])).values()];
  // The base is dashed, as in the lab: a reference line, not a run.
  const series: PlotSeries[] = [{ ...curve(bases, 'base', 0), dashed: true }];
  [...new Set(results.map((r) => r.algo))].forEach((algo, i) => {
    series.push(curve(results.filter((r) => r.algo === algo).map((r) => lastOf(r.rows, 'eval')!), algo, i + 1));
  });
  return linePlotSvg(series, { title, xLabel: 'k (samples)', yLabel: 'pass@k', logX: true, yDomain: [0, 1], intervals: 'band' });
}
