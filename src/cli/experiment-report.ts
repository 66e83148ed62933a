// What a shipped experiment writes: summary.json (each arm's final metrics
// across seeds as IQM with a bootstrap 95 % interval, and each claimed effect
// tested on per-seed paired differences), results.md and two plots: pass@k
// against k, and distinct correct solutions against pass@1 over training.

import { passAtKOf } from '../metrics/passk';
import { interquartileMean, iqmWithCI, MIN_SEEDS_FOR_INTERVAL } from '../metrics/stats';
import { linePlotSvg, type PlotSeries, seriesColor } from '../metrics/svg-plot';
import type { EvalRow, MetricsRow, TrainRow } from '../rl/types';
import { ARM_METRICS, type EffectSpec, type ExperimentSpec } from '../rl/experiments';

/** One arm on one seed: its metric rows (the base arm: the step-0 evaluation alone). */
export interface ArmRun {
  arm: string;
  seed: number;
  rows: MetricsRow[];
}

/** A statistic over seeds: the IQM, its bootstrap 95 % interval and the per-seed values (in seed order). */
export interface Stat {
  iqm: number;
  low: number;
  high: number;
  values: number[];
}

export interface EffectResult extends Omit<EffectSpec, 'metric'> {
  /** The metric with pass@max resolved to the largest reported k. */
  metric: string;
  /** Per-seed arm − than (or arm / than), as a Stat; null when the metric is not measured. */
  stat: Stat | null;
  /** The interval lies wholly on the claimed side of the bound; null when not measured. */
  holds: boolean | null;
}

export interface Summary {
  experiment: string;
  task: string;
  preset: string;
  steps: number;
  seeds: number[];
  k: number[];
  arms: Record<string, Record<string, Stat | null>>;
  effects: EffectResult[];
  /** False below MIN_SEEDS_FOR_INTERVAL seeds: the intervals then only show the spread of the runs. */
  intervalsMeaningful: boolean;
}

const RESAMPLES = 4000;
const CONFIDENCE = 0.95;

function stat(values: number[], seed: number): Stat {
  const ci = iqmWithCI(values, { resamples: RESAMPLES, confidence: CONFIDENCE, seed });
  return { iqm: ci.estimate, low: ci.low, high: ci.high, values };
}

/** The ks reported: powers of two while n ≥ 2k, so the estimator is far from its n = k edge. */
export function reportedKs(samples: number): number[] {
  const ks: number[] = [];
  for (let k = 1; 2 * k <= samples; k *= 2) ks.push(k);
  return ks;
}

const evalsOf = (rows: readonly MetricsRow[]) => rows.filter((r): r is EvalRow => r.kind === 'eval');
const lastTrain = (rows: readonly MetricsRow[]) => rows.filter((r): r is TrainRow => r.kind === 'train').at(-1);

/** One run's final metrics, keyed as summary.json names them; null where not measured. */
export function finalMetrics(rows: readonly MetricsRow[], ks: readonly number[]): Record<string, number | null> {
  const final = evalsOf(rows).at(-1);
  if (!final) throw new Error('finalMetrics: the run has no evaluation');
  const out: Record<string, number | null> = {};
  for (const k of ks) out[`pass@${k}`] = passAtKOf(final.passAtK, k) ?? null;
  out.distinct_correct = final.distinctCorrect;
  out.coverage = final.coverage;
  out.entropy = final.entropy;
  out.well_formed = final.wellFormed ?? null;
  out.tokens_used = lastTrain(rows)?.tokensUsed ?? 0;
  return out;
}

export const metricKeys = (ks: readonly number[]) => [...ks.map((k) => `pass@${k}`), ...ARM_METRICS];

const resolveMetric = (metric: string, ks: readonly number[]) => (metric === 'pass@max' ? `pass@${ks.at(-1)}` : metric);

function effectResult(e: EffectSpec, perArm: Map<string, Map<number, Record<string, number | null>>>, seeds: number[], ks: readonly number[], index: number): EffectResult {
  const metric = resolveMetric(e.metric, ks);
  const values: number[] = [];
  for (const s of seeds) {
    const a = perArm.get(e.arm)?.get(s)?.[metric];
    const b = perArm.get(e.than)?.get(s)?.[metric];
    if (a === null || a === undefined || b === null || b === undefined) return { ...e, metric, stat: null, holds: null };
    values.push(e.kind === 'ratio' ? (b === 0 ? NaN : a / b) : a - b);
  }
  if (values.some((v) => !Number.isFinite(v))) return { ...e, metric, stat: null, holds: null };
  const st = stat(values, 9000 + index);
  return { ...e, metric, stat: st, holds: e.side === 'above' ? st.low > e.bound : st.high < e.bound };
}

/** The summary of an experiment's runs: every arm must have run on every seed. */
export function summarise(spec: ExperimentSpec, runs: readonly ArmRun[], seeds: number[]): Summary {
  const samples = spec.common.evalSamples;
  const ks = reportedKs(samples);
  const perArm = new Map<string, Map<number, Record<string, number | null>>>();
  for (const r of runs) {
    if (!perArm.has(r.arm)) perArm.set(r.arm, new Map());
    perArm.get(r.arm)!.set(r.seed, finalMetrics(r.rows, ks));
  }
  const arms: Summary['arms'] = {};
  spec.arms.forEach((arm, a) => {
    const bySeed = perArm.get(arm.name);
    const missing = seeds.filter((s) => !bySeed?.has(s));
    if (missing.length > 0) throw new Error(`summarise: arm ${arm.name} has no run for seed ${missing.join(', ')}`);
    arms[arm.name] = {};
    metricKeys(ks).forEach((key, m) => {
      const values = seeds.map((s) => bySeed!.get(s)![key]);
      arms[arm.name][key] = values.some((v) => v === null) ? null : stat(values as number[], 1000 * (a + 1) + m);
    });
  });
  return {
    experiment: spec.name,
    task: spec.common.task,
    preset: spec.common.preset,
    steps: spec.common.steps,
    seeds,
    k: ks,
    arms,
    effects: spec.effects.map((e, i) => effectResult(e, perArm, seeds, ks, i)),
    intervalsMeaningful: seeds.length >= MIN_SEEDS_FOR_INTERVAL,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What is wrong with a summary.json (empty when it matches the schema). */
export function summaryProblems(raw: unknown): string[] {
  if (!isObject(raw)) return ['summary is not a JSON object'];
  const problems: string[] = [];
  for (const key of ['experiment', 'task', 'preset'] as const) if (typeof raw[key] !== 'string') problems.push(`"${key}" should be a string`);
  if (!Number.isInteger(raw.steps)) problems.push('"steps" should be a whole number');
  const seeds = raw.seeds;
  if (!Array.isArray(seeds) || seeds.length === 0 || !seeds.every(Number.isInteger)) problems.push('"seeds" should be a non-empty list of whole numbers');
  const ks = raw.k;
  if (!Array.isArray(ks) || ks.length === 0 || !ks.every((k, i) => k === 2 ** i)) problems.push('"k" should be [1, 2, 4, …]');
  if (!isObject(raw.arms) || !('base' in raw.arms)) problems.push('"arms" should be an object with a "base" arm');
  if (problems.length > 0) return problems;
  const n = (seeds as number[]).length;
  for (const [arm, metrics] of Object.entries(raw.arms as Record<string, unknown>)) {
    if (!isObject(metrics)) {
      problems.push(`arm "${arm}" should be an object of metrics`);
      continue;
    }
    for (const key of metricKeys(ks as number[])) {
      const s = metrics[key];
      if (s === null && key === 'coverage') continue;
      if (!isObject(s)) {
        problems.push(`arm "${arm}": "${key}" should be { iqm, low, high, values }${key === 'coverage' ? ' or null' : ''}`);
        continue;
      }
      const { iqm, low, high, values } = s;
      if (![iqm, low, high].every((x) => typeof x === 'number' && Number.isFinite(x))) problems.push(`arm "${arm}": "${key}" iqm, low and high should be numbers`);
      else if (!((low as number) <= (iqm as number) + 1e-12 && (iqm as number) <= (high as number) + 1e-12)) problems.push(`arm "${arm}": "${key}" should have low ≤ iqm ≤ high`);
      if (!Array.isArray(values) || values.length !== n || !values.every((x) => typeof x === 'number')) problems.push(`arm "${arm}": "${key}" values should hold one number per seed`);
      else if (typeof iqm === 'number' && Math.abs(interquartileMean(values as number[]) - iqm) > 1e-9) problems.push(`arm "${arm}": "${key}" iqm is not the IQM of its values`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------
// results.md and plots

const fmt = (x: number, digits: number) => (Math.abs(x) >= 1000 ? x.toFixed(0) : x.toFixed(digits));
const cell = (s: Stat | null, digits = 3) => (s === null ? '—' : s.values.length < 2 ? fmt(s.iqm, digits) : `${fmt(s.iqm, digits)} [${fmt(s.low, digits)}, ${fmt(s.high, digits)}]`);

export function verdictOf(e: EffectResult, meaningful: boolean): string {
  if (e.holds === null) return 'not measured';
  if (!meaningful) return e.holds ? 'holds on these seeds (too few for an interval)' : 'does not hold on these seeds (too few for an interval)';
  return e.holds ? '**reproduced**' : '**not reproduced**';
}

function boundText(e: EffectResult): string {
  const what = e.kind === 'ratio' ? `${e.arm} / ${e.than}` : `${e.arm} − ${e.than}`;
  return `${what} ${e.side === 'above' ? '>' : '<'} ${e.bound}`;
}

export interface ReportContext {
  command: string;
  adapter: string;
  minutes: number;
  settings: string;
}

export function resultsMarkdown(spec: ExperimentSpec, summary: Summary, ctx: ReportContext): string {
  const keys = metricKeys(summary.k);
  const header = `| arm | ${keys.join(' | ')} |`;
  const lines = [
    `# ${spec.name}: ${spec.title}`,
    '',
    '```',
    ctx.command,
    '```',
    '',
    `Task **${summary.task}**, preset **${summary.preset}**, ${summary.steps} steps, seeds ${summary.seeds.join(', ')}; adapter ${ctx.adapter}; ${ctx.minutes.toFixed(1)} minutes.`,
    `Final held-out evaluation: ${spec.common.evalPrompts} prompts × ${spec.common.evalSamples} samples at the run's temperature; pass@k for k up to n/2.`,
    `Each cell is the interquartile mean over seeds (scipy.stats.trim_mean(x, 0.25)) with a percentile-bootstrap 95 % interval over seeds (${RESAMPLES} resamples).`,
    '',
    ctx.settings,
    '',
    header,
    `| --- | ${keys.map(() => '---').join(' | ')} |`,
    ...spec.arms.map((a) => `| ${a.name} | ${keys.map((k) => cell(summary.arms[a.name][k], k === 'tokens_used' ? 0 : k === 'distinct_correct' ? 2 : 3)).join(' | ')} |`),
    '',
    '## Effects',
    '',
    'Each effect is tested on the per-seed paired difference (or ratio) of the two arms: it is reproduced when the 95 % interval of its IQM lies wholly past the bound.',
    '',
    '| claim | metric | test | IQM [95 % interval] | per seed | verdict |',
    '| --- | --- | --- | --- | --- | --- |',
    ...summary.effects.map((e) => `| ${e.claim} | ${e.metric} | ${boundText(e)} | ${cell(e.stat)} | ${e.stat ? e.stat.values.map((v) => fmt(v, 3)).join(', ') : '—'} | ${verdictOf(e, summary.intervalsMeaningful)} |`),
  ];
  if (!summary.intervalsMeaningful) lines.push('', `With ${summary.seeds.length} seed${summary.seeds.length === 1 ? '' : 's'} (fewer than ${MIN_SEEDS_FOR_INTERVAL}) a bootstrap interval over seeds is not meaningful: read the brackets as the spread of these runs, not as a confidence interval.`);
  lines.push('', '![pass@k against k](passk.svg)', '', '![distinct correct solutions against pass@1 over training](diversity.svg)', '');
  return lines.join('\n');
}

export function passAtKArmsPlot(spec: ExperimentSpec, summary: Summary): string {
  const series: PlotSeries[] = spec.arms.map((a, i) => ({
    name: a.name,
    color: seriesColor(a.name, i),
    dashed: a.train === null,
    points: summary.k.map((k) => {
      const s = summary.arms[a.name][`pass@${k}`]!;
      return { x: k, y: s.iqm, low: s.low, high: s.high };
    }),
  }));
  return linePlotSvg(series, { title: `${spec.name}: pass@k (${summary.seeds.length} seeds, IQM and 95 % interval)`, xLabel: 'k (samples)', yLabel: 'pass@k', logX: true, yDomain: [0, 1], intervals: 'band' });
}

/** Distinct correct solutions per prompt against pass@1, one point per evaluation (IQM over seeds), one curve per arm from the base. */
export function diversityPlot(spec: ExperimentSpec, runs: readonly ArmRun[]): string {
  const series: PlotSeries[] = [];
  spec.arms.forEach((a, i) => {
    const mine = runs.filter((r) => r.arm === a.name).map((r) => evalsOf(r.rows));
    if (mine.length === 0) return;
    const steps = mine[0].map((e) => e.step).filter((s) => mine.every((evals) => evals.some((e) => e.step === s)));
    const points = steps.map((s) => {
      const at = mine.map((evals) => evals.find((e) => e.step === s)!);
      return { x: interquartileMean(at.map((e) => passAtKOf(e.passAtK, 1) ?? 0)), y: interquartileMean(at.map((e) => e.distinctCorrect)) };
    });
    series.push({ name: a.train === null ? 'base' : `${a.name} (steps 0–${steps.at(-1)})`, color: seriesColor(a.name, i), dashed: a.train === null, points });
  });
  // From 0 to just past the largest pass@1 reached, in tenths: the curves fill the plot.
  const reach = Math.max(0, ...series.flatMap((s) => s.points.map((p) => p.x)));
  return linePlotSvg(series, { title: `${spec.name}: distinct correct against pass@1 over training`, xLabel: 'pass@1', yLabel: 'distinct correct solutions / prompt', xDomain: [0, Math.min(1, Math.ceil(reach * 10 + 0.5) / 10)] });
}
