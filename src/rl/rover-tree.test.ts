// ROVER's theory on the toy tree. On a deterministic tree with binary terminal
// reward, the uniformly random policy's Q-function Q^U ranks actions so that
// acting greedily on it is optimal. Here ROVER trains a tiny transformer on a
// 3-ary tree of depth 3 and the learned action preferences are read back
// (tree-values.ts) and held to the exact Q^U.
//
// The base policy is uniform over the 27 leaves: a few cross-entropy steps on
// uniformly drawn leaves teach the output format and nothing about the
// winners. A freshly initialised model would not do: it spreads its mass over
// all 16 emittable tokens, so a well-formed episode (three actions, then EOS)
// has probability about (3/16)³/16 ≈ 4·10⁻⁴ and RL would see no reward at all.
// Uniform over leaves is also exactly the policy whose Q the theory is about.
//
// The tree (layout 11) has winners aab, aac, acc and bac:
//   root:  Q^U = (a 3/9, b 1/9, c 0)   Q* = (1, 1, 0)
//   [a]:   Q^U = (a 2/3, b 0,   c 1/3)
//   [a,a]: Q^U = (a 0,   b 1,   c 1)
// so Q^U separates a from b at the root where Q* does not, and the best
// branch is not the one a depth-blind policy would find (aaa loses).

import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../gpu/context';
import type { Checkpoint } from '../model/checkpoint';
import { GptModel } from '../model/gpt';
import { Sampler } from '../model/sampler';
import { uniformTreeBase } from '../testing/tree-base';
import { testContext } from '../testing/gpu';
import { CharTokenizer } from '../tasks/tokenizer';
import { buildTree, tree, type TreeProblem } from '../tasks/tree';
import { type Algorithm, defaultRunConfig, type RunConfig } from './config';
import { Trainer } from './trainer';
import { leafLogProbs, treeValues, type TreeState, type TreeValues } from './tree-values';

const cfg = { k: 3, h: 3, winners: 4, trees: 1, layout: 11 };
const RUN_SEED = 11;

interface Trained {
  values: TreeValues;
  /** Exact probability of each winning leaf (product of the action probabilities along its path). */
  winnerMass: number[];
  /** Distinct winning leaves among `samples` completions at temperature 1. */
  distinctSampled: number;
  sampledWinRate: number;
}

const SAMPLES = 256;

async function train(ctx: GpuContext, base: Checkpoint, algo: Algorithm, problem: TreeProblem): Promise<Trained> {
  const config: RunConfig = {
    ...defaultRunConfig(),
    task: 'tree', algo, seed: RUN_SEED,
    prompts: 4, group: 8, minibatches: 4, steps: 40, lr: 3e-3,
    evalEvery: 0, evalPrompts: 1, evalSamples: 8,
  };
  const trainer = new Trainer(ctx, config, base);
  while (!trainer.done) await trainer.step();
  const { params } = await trainer.checkpointMeta();
  trainer.dispose();
  const tokenizer = new CharTokenizer(base.meta.alphabet);
  const model = new GptModel(ctx, base.meta.config, { maxBatch: 16, params });
  const values = await treeValues(model, tokenizer, problem);
  const leaves = leafLogProbs(values);
  const sampler = new Sampler(model, SAMPLES);
  const s = await sampler.sample({ prompts: [tokenizer.encodePrompt(tree.promptText(problem))], groupSize: SAMPLES, maxNewTokens: cfg.h + 1, temperature: 1, seed: 77 });
  const found = new Set<string>();
  let wins = 0;
  for (let r = 0; r < SAMPLES; r++) {
    const start = r * s.T + s.promptLengths[r];
    const text = tokenizer.decode(s.tokens.subarray(start, start + s.completionLengths[r]));
    if (tree.isCorrect(problem, text)) {
      wins++;
      found.add(text);
    }
  }
  sampler.dispose();
  model.dispose();
  return { values, winnerMass: problem.winning.map((leaf) => Math.exp(leaves[leaf])), distinctSampled: found.size, sampledWinRate: wins / SAMPLES };
}

/**
 * What is asserted: at the root and at every state greedy decoding passes
 * through, the learned favourite (argmax log π) is a best action under Q^U
 * (any of them on a tie). ROVER met this in every variation tried (other
 * init and demonstration seeds, lr 2e-3, 30 to 60 steps); GRPO missed it in
 * one of them (it settled on "acc": c at [a], where Q^U prefers a).
 *
 * What is only reported: the order of the other actions. The full criterion
 * (every pair Q^U separates, learned in that order) failed for ROVER in two
 * of six variations, always on a pair the policy had all but stopped
 * sampling: at [a,a] the winning b (Q^U 1) ended a fraction of a nat below
 * the dead a (Q^U 0), both near log π ≈ −4.5 behind the favourite c. Once a
 * favourite dominates, the runners-up are drawn a few times in a whole run
 * and their order rests on those draws.
 */
function favouriteIsQUBest(s: TreeState): string[] {
  const favourite = s.logp.indexOf(Math.max(...s.logp));
  const best = Math.max(...s.qUniform);
  return s.qUniform[favourite] === best ? [] : [`[${s.prefix}]: learned favourite ${favourite} has Q^U ${s.qUniform[favourite].toFixed(3)} < ${best.toFixed(3)}`];
}

/** Pairs of actions that Q^U orders strictly, and how many of them the policy orders the same way. */
function pairwiseAgreement(states: TreeState[]): { agree: number; pairs: number } {
  let agree = 0, pairs = 0;
  for (const s of states) {
    for (let a = 0; a < s.logp.length; a++) {
      for (let b = 0; b < s.logp.length; b++) {
        if (s.qUniform[a] > s.qUniform[b]) {
          pairs++;
          if (s.logp[a] > s.logp[b]) agree++;
        }
      }
    }
  }
  return { agree, pairs };
}

/** The root and every state greedy decoding passes through. */
function greedyPathStates(v: TreeValues): TreeState[] {
  const actions = v.greedy.actions ?? [];
  return v.states.filter((s) => s.prefix.every((a, i) => a === actions[i]));
}

function summary(name: string, t: Trained): string {
  const mass = t.winnerMass.map((m) => m.toFixed(3)).join(', ');
  const path = greedyPathStates(t.values);
  const { agree, pairs } = pairwiseAgreement(path);
  const favourites = path.flatMap(favouriteIsQUBest);
  return [
    `${name}: greedy "${t.values.greedy.completion}" (reward ${t.values.greedy.reward})`,
    `favourites ${favourites.length ? favourites.join('; ') : 'all Q^U-best'} on the greedy path, ${agree}/${pairs} Q^U-ordered pairs in order`,
    `winning-leaf probabilities [${mass}]`,
    `${t.distinctSampled} distinct winners in ${SAMPLES} samples (win rate ${t.sampledWinRate.toFixed(3)})`,
  ].join('; ');
}

describe('ROVER on the toy tree', () => {
  it('favours Q^U\'s best action along the greedy path and decodes a winning leaf; GRPO alongside for diversity', async () => {
    const ctx = await testContext();
    const problem = buildTree(cfg, RUN_SEED, 0);
    expect(problem.winning).toEqual([1, 2, 8, 11]);
    const base = await uniformTreeBase(ctx, cfg);

    const rover = await train(ctx, base, 'rover', problem);
    expect(rover.values.greedy.reward).toBe(1);
    const path = greedyPathStates(rover.values);
    expect(path.map((s) => s.prefix.length)).toEqual([0, 1, 2]);
    expect(path.flatMap(favouriteIsQUBest)).toEqual([]);
    // Most of the mass is on winning leaves, and none of it on the depth-blind "aaa".
    expect(rover.winnerMass.reduce((a, b) => a + b, 0)).toBeGreaterThan(0.5);

    // GRPO on the same base and tree: reported, not asserted (the headline is how many winning leaves each keeps).
    const grpo = await train(ctx, base, 'grpo', problem);
    console.info(`${summary('ROVER', rover)}\n${summary('GRPO', grpo)}`);
  }, 120_000);
});
