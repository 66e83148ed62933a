// Lesson 4: ROVER's theorem on the tree task. The policy's action
// probabilities, read off its checkpoint after each step, beside the exact
// values of the uniformly random policy (Q^U) and the optimal ones (Q*).

import { useEffect, useRef, useState } from 'react';
import type { RunConfig } from '../../rl/config';
import { actionChars, leafActions } from '../../tasks/tree';
import { defaultBasePath } from '../../worker/api';
import type { LabRun } from '../store';
import { LessonFrame } from './LessonFrame';
import { RunStrip } from './RunStrip';
import { Tex } from './Tex';
import { ALIVE_SHARE, type TreeSnapshot, probeTree, softmaxQLeafMass } from './tree-probe';
import { runName, useLessonRuns } from './use-lesson-runs';

interface Probed {
  step: number;
  snap: TreeSnapshot;
}

/** The decision nodes along the policy's greedy path, each with π_θ, Q^U and Q* per action. */
function PathTable({ snap, label }: { snap: TreeSnapshot; label: string }) {
  const { problem, states } = snap.values;
  const chars = actionChars(problem.k);
  const path: number[] = [];
  const rows = [];
  while (path.length < problem.h) {
    const state = states.find((s) => s.prefix.length === path.length && s.prefix.every((a, i) => a === path[i]))!;
    const probs = state.logp.map(Math.exp);
    const chosen = probs.indexOf(Math.max(...probs));
    rows.push({ prefix: path.map((a) => chars[a]).join('') || '(root)', probs, state, chosen });
    path.push(chosen);
  }
  return (
    <table className="lesson-table" aria-label={`Tree values: ${label}`}>
      <thead>
        <tr>
          <th>state</th>
          {[...chars].map((c) => (
            <th key={c}>
              π({c}) · Q<sup>U</sup> · Q*
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.prefix}>
            <td>
              <code>{r.prefix}</code>
            </td>
            {r.probs.map((p, a) => (
              <td key={a} className={a === r.chosen ? 'chosen' : undefined} data-testid="tree-prob">
                {p.toFixed(3)} · {r.state.qUniform[a].toFixed(3)} · {r.state.qOptimal[a]}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const winnerMass = (snap: TreeSnapshot) => snap.winnerProbs.reduce((a, b) => a + b, 0);

/** Each winning leaf's mass under π_θ beside its mass under softmax(Q^U/τ), the policy ROVER's theorem points to. */
function WinnerTable({ snap, tau, label }: { snap: TreeSnapshot; tau: number; label: string }) {
  const { problem } = snap.values;
  const chars = actionChars(problem.k);
  const ideal = softmaxQLeafMass(problem, tau);
  return (
    <table className="lesson-table" aria-label={`Winning leaves: ${label}`}>
      <thead>
        <tr>
          <th>winning leaf</th>
          <th>π_θ(leaf)</th>
          <th>softmax(Q^U/τ), τ = {tau}</th>
        </tr>
      </thead>
      <tbody>
        {problem.winning.map((leaf, i) => (
          <tr key={leaf}>
            <td>
              <code>{leafActions(problem.k, problem.h, leaf).map((a) => chars[a]).join('')}</code>
            </td>
            <td data-testid="winner-prob">{snap.winnerProbs[i].toFixed(3)}</td>
            <td>{ideal[i].toFixed(3)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Summary({ probed, label, tau }: { probed: Probed; label: string; tau: number }) {
  const { snap } = probed;
  const { problem, greedy } = snap.values;
  const chars = actionChars(problem.k);
  const mass = winnerMass(snap);
  return (
    <div className="lesson-tree-run">
      <h4>
        {label} · after step {probed.step}
      </h4>
      <p className="lesson-stat" data-testid="tree-summary">
        Greedy on π: <code>{greedy.completion || '∅'}</code> (reward {greedy.reward}). Greedy on Q<sup>U</sup>: <code>{snap.qGreedy.actions.map((a) => chars[a]).join('')}</code> (reward {snap.qGreedy.reward}). argmax π agrees with argmax Q<sup>U</sup> at {(snap.agreement * 100).toFixed(0)}% of the states where Q<sup>U</sup> tells actions apart. π on winning leaves: {mass.toFixed(3)}; {snap.alive} of {problem.winning.length} winning leaves hold ≥ {ALIVE_SHARE * 100}% of it ({problem.winning.map((leaf, i) => `${leafActions(problem.k, problem.h, leaf).map((a) => chars[a]).join('')} ${snap.winnerProbs[i].toExponential(1)}`).join(', ')}).
      </p>
      <PathTable snap={snap} label={label} />
      <WinnerTable snap={snap} tau={tau} label={label} />
    </div>
  );
}

/** Probes each run's policy after every new step, one probe at a time, skipping steps that went by meanwhile; keeps every probe. */
function useProbes(runs: LabRun[], checkpoint: (id: string) => Promise<ArrayBuffer | null>) {
  const [probes, setProbes] = useState<Record<string, Probed[]>>({});
  const busy = useRef(false);
  const wanted = runs.map((r) => `${r.id}:${r.train.at(-1)?.step ?? -1}`).join(',');
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (busy.current) return;
    const todo = runs.find((r) => r.train.length > 0 && probes[r.id]?.at(-1)?.step !== r.train.at(-1)!.step);
    if (!todo) return;
    busy.current = true;
    const step = todo.train.at(-1)!.step;
    void checkpoint(todo.id)
      .then(async (data) => {
        if (data) {
          const snap = await probeTree(data, todo.config.decoding);
          setProbes((p) => ({ ...p, [todo.id]: [...(p[todo.id] ?? []), { step, snap }] }));
        }
      })
      .catch(() => undefined)
      .finally(() => {
        busy.current = false;
        setTick((t) => t + 1);
      });
  }, [wanted, tick, runs, probes, checkpoint]);
  return probes;
}

function useBaseProbe(config: RunConfig): Probed | null {
  const [base, setBase] = useState<Probed | null>(null);
  useEffect(() => {
    let live = true;
    void fetch(defaultBasePath(config))
      .then((r) => r.arrayBuffer())
      .then((data) => probeTree(data, config.decoding))
      .then((snap) => live && setBase({ step: 0, snap }))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [config]);
  return base;
}

export function Lesson4Tree({ initial }: { initial: RunConfig }) {
  const [config, setConfig] = useState(initial);
  const control = useLessonRuns();
  const probes = useProbes(control.runs, control.checkpoint);
  const base = useBaseProbe(initial);
  const add = (c: RunConfig, replace = false) => {
    setConfig(c);
    void control.launch([{ config: c, name: runName(c, `${c.steps} steps`) }], { replace, start: true });
  };

  const text = (
    <>
      <p>
        The tree task is a deterministic MDP: <Tex>h</Tex> actions from <Tex>k</Tex> choices each, reward 1 on a few winning leaves. Small trees can be solved exactly. The Q-function of the <em>uniformly random</em> policy is
      </p>
      <Tex block>{"Q^U(s,a) = r(s,a) \\text{ if } (s,a) \\text{ ends the episode}, \\qquad Q^U(s,a) = \\frac{1}{k} \\sum_{a'} Q^U(s', a') \\text{ otherwise},"}</Tex>
      <p>
        the fraction of winning leaves below <Tex>{'s\\cdot a'}</Tex>; <Tex>{'Q^*(s,a) = 1'}</Tex> when any winning leaf lies below. ROVER’s theorem: greedy on <Tex>Q^U</Tex> is optimal, and sampling from <Tex>{'\\operatorname{softmax}(Q^U/\\tau)'}</Tex> keeps mass on every winning branch. ROVER learns <Tex>{'Q_{i,t} = \\rho\\,(\\log\\pi_\\theta - \\log\\pi_{\\text{old}})'}</Tex> by regressing onto{' '}
        <Tex>{'\\tilde r_i + \\bar V_{i,t+1}'}</Tex>, a target averaged <em>uniformly</em> over the next actions, and samples from <Tex>{'\\pi_\\theta \\propto \\pi_{\\text{old}}\\, e^{Q/\\rho}'}</Tex>. The table follows the policy’s greedy path: at each state, <Tex>{'\\pi_\\theta(a\\mid s)'}</Tex> beside the exact <Tex>{'Q^U'}</Tex> and <Tex>{'Q^*'}</Tex>.
      </p>
      <p>
        The second table puts the policy’s mass on each winning leaf beside the mass that sampling every action from <Tex>{'\\operatorname{softmax}(Q^U/\\tau)'}</Tex>, with <Tex>{'\\tau = \\rho'}</Tex>, would give it. On the shipped tree that policy spreads evenly over all six winners (0.027 each at <Tex>{'\\tau = 0.3'}</Tex>). With the default settings the learned ROVER policy does not: it ends with most of its mass on winners, but on one of them. A GRPO run added beside it is shown at the step where its mass on winners (its exact pass@1) is closest to ROVER’s, so the two are compared at matched pass@1.
      </p>
    </>
  );

  const widget = (
    <>
      <div className="controls">
        <button type="button" disabled={!control.ready} onClick={() => add(initial, true)}>
          Train ROVER on the tree
        </button>
      </div>
      <RunStrip runs={control.runs} control={control} />
      {control.runs.map((r) => {
        const history = probes[r.id];
        if (!history?.length) return null;
        const latest = history.at(-1)!;
        // GRPO beside ROVER at matched pass@1: on a tree, pass@1 is the policy's mass on winning leaves.
        const rover = control.runs.find((x) => x.config.algo === 'rover' && probes[x.id]?.length);
        const target = rover && r.config.algo !== 'rover' ? winnerMass(probes[rover.id]!.at(-1)!.snap) : null;
        const shown = target === null ? latest : history.reduce((best, p) => (Math.abs(winnerMass(p.snap) - target) < Math.abs(winnerMass(best.snap) - target) ? p : best));
        return <Summary key={r.id} probed={shown} label={target === null ? r.name : `${r.name}, at ROVER’s pass@1`} tau={r.config.algo === 'rover' ? r.config.rho : initial.rho} />;
      })}
      {base ? <Summary probed={base} label="base model" tau={initial.rho} /> : <p className="hint">Reading the base model’s values…</p>}
    </>
  );

  const tries = [
    { label: 'Add GRPO on the same tree', look: 'Compare the two runs’ “winning leaves holding ≥ 5%” and greedy paths with the Q^U columns. Sampling from softmax(Q^U/τ) would keep every winner; watch whether either learned policy does, or both settle on one.', apply: () => add({ ...config, algo: 'grpo', minibatches: 1 }) },
    { label: 'ROVER with ρ = 1 (the authors’ default)', look: 'With Q = ρ(log π_θ − log π_old), a larger ρ reaches the same value with smaller log-prob changes: the policy moves far less per step. Compare the reward and the greedy path after the same 60 steps.', apply: () => add({ ...config, algo: 'rover', rho: 1 }) },
    { label: 'ROVER, three times longer', look: 'Follow the agreement between argmax π and argmax Q^U, and whether greedy on π reaches a winning leaf, as Q^U says it should.', apply: () => add({ ...config, algo: 'rover', steps: config.steps * 3 }) },
  ];

  return <LessonFrame number={4} config={config} text={text} widget={widget} tries={tries} disabled={!control.ready} />;
}
