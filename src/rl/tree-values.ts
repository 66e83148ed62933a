// What a policy has learned about the tree task, read off its logits and set
// beside the exact values. On the tree, a state is the prefix of actions taken
// from the root; the policy's preference among the k actions there is
// log π_θ(a | BOS, "#id:", prefix). ROVER's claim is that these preferences
// come to rank actions as Q^U (the uniformly random policy's Q) does, and that
// greedy decoding then ends on a winning leaf (as Q* would).
//
// Everything runs forward passes only: one per batch of states, so walking a
// whole tree (at most 4095 decision nodes) costs a handful of dispatches.

import type { GptModel } from '../model/gpt';
import { BOS, EOS, PAD, type CharTokenizer } from '../tasks/tokenizer';
import { actionChars, leafActions, leafIndex, qOptimal, qUniform, tree, type TreeProblem } from '../tasks/tree';

export interface TreeState {
  /** Actions taken from the root (0-based action indices); [] is the root. */
  prefix: number[];
  /** log π_θ(a | state) for a = 0..k−1, under the full softmax at the requested temperature (the training distribution). */
  logp: number[];
  /** Exact Q^U(state, a): the fraction of winning leaves below state·a. */
  qUniform: number[];
  /** Exact Q*(state, a): 1 when some winning leaf lies below state·a. */
  qOptimal: number[];
}

export interface GreedyDecode {
  /** The decoded completion text (up to EOS), as the verifier reads it. */
  completion: string;
  /** The leaf it names as actions, or null when the text is not h actions. */
  actions: number[] | null;
  /** Leaf index (actions read as a base-k number), or null. */
  leaf: number | null;
  /** The task's reward for the completion. */
  reward: number;
}

export interface TreeValues {
  problem: TreeProblem;
  /** Every decision node (depth 0..h−1), breadth-first, children in action order: index 0 is the root. */
  states: TreeState[];
  greedy: GreedyDecode;
}

export interface TreeValueOptions {
  /** Temperature of the reported log-probs; rankings do not depend on it. Default 1. */
  temperature?: number;
  /** Tokens greedy decoding may emit at most: the run's completion budget (default h + 1: h actions and EOS). */
  maxTokens?: number;
}

/** BOS, the tree's prompt and the prefix's action characters: the context in which the policy picks its next action. */
export function stateTokens(tokenizer: CharTokenizer, problem: TreeProblem, prefix: readonly number[]): number[] {
  const chars = actionChars(problem.k);
  if (prefix.some((a) => !Number.isInteger(a) || a < 0 || a >= problem.k)) throw new Error(`tree-values: prefix [${prefix.join(',')}] has an action outside 0..${problem.k - 1}`);
  return [...tokenizer.encodePrompt(tree.promptText(problem)), ...tokenizer.encode(prefix.map((a) => chars[a]).join(''))];
}

/** Every decision node's prefix, breadth-first: depth d holds k^d prefixes in leaf-index order. */
export function decisionNodes(k: number, h: number): number[][] {
  const out: number[][] = [[]];
  for (let i = 0; i < out.length; i++) {
    if (out[i].length + 1 >= h) continue;
    for (let a = 0; a < k; a++) out.push([...out[i], a]);
  }
  return out;
}

/**
 * The logits at the last position of each context, read back in rows of at
 * most model.maxBatch sequences (one forward pass each). Contexts are padded
 * with PAD on the right; attention is causal, so the padding is never seen.
 */
async function lastLogits(model: GptModel, contexts: readonly (readonly number[])[]): Promise<Float32Array[]> {
  const V = model.config.vocabSize;
  const out: Float32Array[] = [];
  for (let first = 0; first < contexts.length; first += model.maxBatch) {
    const chunk = contexts.slice(first, first + model.maxBatch);
    const B = chunk.length;
    const T = Math.max(...chunk.map((c) => c.length));
    if (T > model.maxTime) throw new Error(`tree-values: a context of ${T} tokens exceeds the model's ${model.maxTime}`);
    const tokens = new Uint32Array(B * T).fill(PAD);
    chunk.forEach((c, b) => tokens.set(c, b * T));
    const logits = (await model.ctx.read(model.forward(tokens, B, T).logits)) as Float32Array;
    chunk.forEach((c, b) => out.push(logits.slice((b * T + c.length - 1) * V, (b * T + c.length) * V)));
  }
  return out;
}

function logSoftmaxAt(logits: Float32Array, ids: readonly number[], temperature: number): number[] {
  let max = -Infinity;
  for (let v = 0; v < logits.length; v++) max = Math.max(max, logits[v] / temperature);
  let sum = 0;
  for (let v = 0; v < logits.length; v++) sum += Math.exp(logits[v] / temperature - max);
  const lse = max + Math.log(sum);
  return ids.map((id) => logits[id] / temperature - lse);
}

/** log π_θ(a | prefix) over the k action tokens, for each prefix; one forward pass per model.maxBatch prefixes. */
export async function actionLogProbs(model: GptModel, tokenizer: CharTokenizer, problem: TreeProblem, prefixes: readonly (readonly number[])[], opts: TreeValueOptions = {}): Promise<number[][]> {
  const temperature = opts.temperature ?? 1;
  const actionIds = tokenizer.encode(actionChars(problem.k));
  const logits = await lastLogits(model, prefixes.map((p) => stateTokens(tokenizer, problem, p)));
  return logits.map((row) => logSoftmaxAt(row, actionIds, temperature));
}

/**
 * Greedy decoding as the sampler does it with top-k = 1: the most likely
 * token other than PAD and BOS, until EOS or the task's completion budget
 * (h characters, then EOS; exactly h under decoding = answer). A completion
 * that strays from the action alphabet is decoded and scored all the same
 * (reward 0). Tokens the model's policy excludes have logits near
 * EXCLUDED_LOGIT, so they are never the most likely.
 */
export async function greedyDecode(model: GptModel, tokenizer: CharTokenizer, problem: TreeProblem, maxTokens = problem.h + 1): Promise<GreedyDecode> {
  const context = tokenizer.encodePrompt(tree.promptText(problem));
  const completion: number[] = [];
  for (let i = 0; i < maxTokens && context.length < model.maxTime; i++) {
    const [logits] = await lastLogits(model, [context]);
    let best = -1;
    for (let v = 0; v < logits.length; v++) if (v !== PAD && v !== BOS && (best < 0 || logits[v] > logits[best])) best = v;
    completion.push(best);
    context.push(best);
    if (best === EOS) break;
  }
  const text = tokenizer.decode(completion);
  const chars = actionChars(problem.k);
  const parsed = [...text].map((c) => chars.indexOf(c));
  const actions = parsed.length === problem.h && parsed.every((a) => a >= 0) ? parsed : null;
  return { completion: text, actions, leaf: actions ? leafIndex(problem.k, actions) : null, reward: tree.score(problem, text) };
}

/** The policy's action log-probs at every decision node of the tree, beside exact Q^U and Q*, and where greedy decoding ends. */
export async function treeValues(model: GptModel, tokenizer: CharTokenizer, problem: TreeProblem, opts: TreeValueOptions = {}): Promise<TreeValues> {
  const prefixes = decisionNodes(problem.k, problem.h);
  const logp = await actionLogProbs(model, tokenizer, problem, prefixes, opts);
  const states = prefixes.map((prefix, i) => ({ prefix, logp: logp[i], qUniform: qUniform(problem, prefix), qOptimal: qOptimal(problem, prefix) }));
  return { problem, states, greedy: await greedyDecode(model, tokenizer, problem, opts.maxTokens) };
}

/**
 * log π_θ(leaf) for every leaf (index = actions read as a base-k number): the
 * sum of the action log-probs along its path, from a full walk (EOS not
 * included). Exact, so it measures how the policy spreads over the winning
 * leaves without sampling noise.
 */
export function leafLogProbs(values: TreeValues): Float64Array {
  const { k, h } = values.problem;
  const byPrefix = new Map(values.states.map((s) => [s.prefix.join(','), s.logp]));
  const out = new Float64Array(k ** h);
  for (let leaf = 0; leaf < out.length; leaf++) {
    const actions = leafActions(k, h, leaf);
    let sum = 0;
    for (let depth = 0; depth < h; depth++) {
      const logp = byPrefix.get(actions.slice(0, depth).join(','));
      if (!logp) throw new Error(`leafLogProbs: no values for the state [${actions.slice(0, depth).join(',')}]`);
      sum += logp[actions[depth]];
    }
    out[leaf] = sum;
  }
  return out;
}
