// Reads a tree policy off a checkpoint, on the page's own GPU device: the
// learned action probabilities at every decision node beside the exact Q^U
// and Q*, and summaries of what ROVER's theorem predicts.

import { type GpuContext, createGpuContext } from '../../gpu/context';
import { readCheckpoint } from '../../model/checkpoint';
import { GptModel } from '../../model/gpt';
import { type TreeValues, leafLogProbs, treeValues } from '../../rl/tree-values';
import { completionBudget, type Decoding, excludedTokens } from '../../rl/rollout';
import { getTask, resolveConfig } from '../../tasks/registry';
import { CharTokenizer } from '../../tasks/tokenizer';
import { type TreeConfig, type TreeProblem, buildTree, leafActions, leafIndex, qUniform } from '../../tasks/tree';
import type { TaskConfig } from '../../tasks/types';

export interface TreeSnapshot {
  values: TreeValues;
  /** π_θ(leaf) of each winning leaf, in problem.winning order. */
  winnerProbs: number[];
  /** Winning leaves holding at least ALIVE_SHARE of the policy's mass on winners. */
  alive: number;
  /** Share of decision nodes (where the actions differ in Q^U) at which argmax π_θ is an argmax of Q^U. */
  agreement: number;
  /** Greedy on Q^U from the root: the theorem says it ends on a winning leaf. */
  qGreedy: { actions: number[]; reward: number };
}

export const ALIVE_SHARE = 0.05;

const argmax = (xs: readonly number[]) => xs.reduce((best, x, i) => (x > xs[best] ? i : best), 0);

export function greedyOnQUniform(problem: TreeProblem): { actions: number[]; reward: number } {
  const actions: number[] = [];
  while (actions.length < problem.h) actions.push(argmax(qUniform(problem, actions)));
  return { actions, reward: problem.winning.includes(leafIndex(problem.k, actions)) ? 1 : 0 };
}

/**
 * The mass each winning leaf gets from the policy that samples every action
 * from softmax(Q^U(s, ·)/τ): ROVER's theorem says this policy keeps every
 * winning branch, in proportion to how many winners lie below it.
 */
export function softmaxQLeafMass(problem: TreeProblem, tau: number): number[] {
  if (!(tau > 0)) throw new Error(`softmaxQLeafMass: τ must be positive, got ${tau}`);
  return problem.winning.map((leaf) => {
    const actions = leafActions(problem.k, problem.h, leaf);
    let mass = 1;
    for (let depth = 0; depth < problem.h; depth++) {
      const q = qUniform(problem, actions.slice(0, depth));
      const top = Math.max(...q);
      const weights = q.map((x) => Math.exp((x - top) / tau));
      mass *= weights[actions[depth]] / weights.reduce((a, b) => a + b, 0);
    }
    return mass;
  });
}

export function summarise(values: TreeValues): TreeSnapshot {
  const leaves = leafLogProbs(values);
  const winnerProbs = values.problem.winning.map((leaf) => Math.exp(leaves[leaf]));
  const total = winnerProbs.reduce((a, b) => a + b, 0);
  const ranked = values.states.filter((s) => Math.max(...s.qUniform) > Math.min(...s.qUniform));
  const agree = ranked.filter((s) => s.qUniform[argmax(s.logp)] === Math.max(...s.qUniform)).length;
  return {
    values,
    winnerProbs,
    alive: winnerProbs.filter((p) => total > 0 && p / total >= ALIVE_SHARE).length,
    agreement: ranked.length ? agree / ranked.length : 1,
    qGreedy: greedyOnQUniform(values.problem),
  };
}

let device: Promise<GpuContext> | null = null;

/** Values of the policy in `checkpoint` (a tree-task safetensors file), decoded as the run decodes (decoding = answer: the actions only). */
export async function probeTree(checkpoint: ArrayBuffer, decoding: Decoding = 'full'): Promise<TreeSnapshot> {
  const ctx = await (device ??= createGpuContext(navigator.gpu, { label: 'rlvr-lab lesson tree' }));
  const cp = readCheckpoint(checkpoint);
  const cfg = resolveConfig(getTask('tree'), cp.meta.taskConfig as Partial<TaskConfig>) as TreeConfig;
  // The run's one tree: trees come from the task's layout knob, and a single-tree task names tree 0.
  const problem = buildTree(cfg, cfg.layout, 0);
  const tokenizer = new CharTokenizer(cp.meta.alphabet);
  const model = new GptModel(ctx, cp.meta.config, { maxBatch: 64, params: cp.params, excludedTokens: excludedTokens(getTask('tree'), cfg, tokenizer, decoding) });
  try {
    return summarise(await treeValues(model, tokenizer, problem, { maxTokens: completionBudget(getTask('tree'), cfg, decoding) }));
  } finally {
    model.dispose();
  }
}
