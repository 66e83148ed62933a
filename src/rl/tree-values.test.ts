import { describe, expect, it } from 'vitest';
import { GptModel } from '../model/gpt';
import { referenceForward } from '../model/reference';
import { Sampler } from '../model/sampler';
import { randomBase } from '../testing/base-model';
import { expectClose, randn, testContext } from '../testing/gpu';
import { CharTokenizer } from '../tasks/tokenizer';
import { buildTree, qOptimal, qUniform, tree } from '../tasks/tree';
import { actionLogProbs, decisionNodes, greedyDecode, leafLogProbs, stateTokens, treeValues } from './tree-values';

const cfg = { k: 3, h: 3, winners: 4, trees: 2, layout: 1 };
// A perturbed init so logits differ clearly between states and greedy decoding is not a tie-break.
function setup(seed = 3, noise = 0.3) {
  const base = randomBase('tree', cfg, {}, seed);
  const perturbation = randn(base.params.length, seed, noise);
  const params = base.params.map((x, i) => x + perturbation[i]);
  const tokenizer = new CharTokenizer(base.meta.alphabet);
  return { base, params, tokenizer };
}

describe('tree values', () => {
  it('lists decision nodes breadth-first, children in action order', () => {
    expect(decisionNodes(3, 1)).toEqual([[]]);
    const nodes = decisionNodes(3, 3);
    expect(nodes).toHaveLength(1 + 3 + 9);
    expect(nodes.slice(0, 5)).toEqual([[], [0], [1], [2], [0, 0]]);
    expect(nodes[12]).toEqual([2, 2]);
    expect(decisionNodes(2, 12)).toHaveLength(4095);
  });

  it('reads action log-probs at the last position of each state, equal to the reference forward, in any batching', async () => {
    const ctx = await testContext();
    const { base, params, tokenizer } = setup();
    const problem = buildTree(cfg, 5, 1);
    const prefixes = decisionNodes(3, 3);
    const big = new GptModel(ctx, base.meta.config, { maxBatch: 16, params });
    const small = new GptModel(ctx, base.meta.config, { maxBatch: 5, params });
    const a = await actionLogProbs(big, tokenizer, problem, prefixes, { temperature: 0.8 });
    const b = await actionLogProbs(small, tokenizer, problem, prefixes, { temperature: 0.8 });
    expect(b).toEqual(a);
    const actionIds = tokenizer.encode('abc');
    prefixes.forEach((prefix, i) => {
      const tokens = stateTokens(tokenizer, problem, prefix);
      expect(tokens.slice(0, 4)).toEqual(tokenizer.encodePrompt('#1:'));
      const ref = referenceForward(base.layout, params, tokens, 1, tokens.length, { temperature: 0.8 });
      const V = base.meta.config.vocabSize;
      const last = ref.logits.subarray((tokens.length - 1) * V, tokens.length * V);
      const scaled = Array.from(last, (x) => x / 0.8);
      const max = Math.max(...scaled);
      const lse = max + Math.log(scaled.reduce((s, x) => s + Math.exp(x - max), 0));
      expectClose(a[i], actionIds.map((id) => scaled[id] - lse), { atol: 1e-4, rtol: 1e-4, what: `state [${prefix}]` });
    });
    // Different states see different contexts, so their preferences differ.
    expect(a[1]).not.toEqual(a[2]);
    big.dispose();
    small.dispose();
  });

  it('greedy decoding matches the sampler at top-k 1, and is scored by the task', async () => {
    const ctx = await testContext();
    for (const seed of [3, 4, 5]) {
      const { base, params, tokenizer } = setup(seed, 0.5);
      const model = new GptModel(ctx, base.meta.config, { maxBatch: 4, params });
      const problem = buildTree(cfg, 1, 0);
      const greedy = await greedyDecode(model, tokenizer, problem);
      const sampler = new Sampler(model, 1);
      const s = await sampler.sample({ prompts: [tokenizer.encodePrompt('#0:')], groupSize: 1, maxNewTokens: cfg.h + 1, temperature: 1, topK: 1, seed: 9 });
      const text = tokenizer.decode(s.tokens.subarray(s.promptLengths[0], s.promptLengths[0] + s.completionLengths[0]));
      expect(greedy.completion, `seed ${seed}`).toBe(text);
      expect(greedy.reward).toBe(tree.score(problem, text));
      if (greedy.actions) expect(greedy.leaf).toBe(greedy.actions.reduce((acc, x) => acc * 3 + x, 0));
      else expect(greedy.leaf).toBeNull();
      sampler.dispose();
      model.dispose();
    }
  });

  it('walks the whole tree with exact Q^U and Q* beside the learned log-probs', async () => {
    const ctx = await testContext();
    const { base, params, tokenizer } = setup();
    const model = new GptModel(ctx, base.meta.config, { maxBatch: 6, params });
    const problem = buildTree(cfg, 2, 0);
    const values = await treeValues(model, tokenizer, problem);
    expect(values.states.map((s) => s.prefix)).toEqual(decisionNodes(3, 3));
    const direct = await actionLogProbs(model, tokenizer, problem, decisionNodes(3, 3));
    for (const [i, s] of values.states.entries()) {
      expect(s.logp).toEqual(direct[i]);
      expect(s.qUniform).toEqual(qUniform(problem, s.prefix));
      expect(s.qOptimal).toEqual(qOptimal(problem, s.prefix));
      const mass = s.logp.reduce((acc, x) => acc + Math.exp(x), 0);
      expect(mass).toBeGreaterThan(0);
      expect(mass).toBeLessThan(1);
    }
    // Q^U at the root averages the winners over all 27 leaves.
    expect(values.states[0].qUniform.reduce((a, b) => a + b, 0) / 3).toBeCloseTo(cfg.winners / 27, 12);
    expect(values.greedy).toEqual(await greedyDecode(model, tokenizer, problem));
    // Leaf log-probs chain the states' action log-probs: leaf "cab" = root c, then a at [c], then b at [c,a].
    const leaves = leafLogProbs(values);
    expect(leaves).toHaveLength(27);
    const at = (prefix: number[]) => values.states.find((s) => s.prefix.join() === prefix.join())!.logp;
    expect(leaves[2 * 9 + 0 * 3 + 1]).toBeCloseTo(at([])[2] + at([2])[0] + at([2, 0])[1], 12);
    // Over the leaves the probabilities add up to the mass that stays on action tokens at every step: at most 1.
    const total = leaves.reduce((acc, x) => acc + Math.exp(x), 0);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(1);
    expect(() => leafLogProbs({ ...values, states: values.states.slice(0, 4) })).toThrow(/no values for the state/);
    model.dispose();
  });

  it('refuses states outside the tree', () => {
    const { tokenizer } = setup();
    expect(() => stateTokens(tokenizer, buildTree(cfg, 1, 0), [0, 3])).toThrow(/outside 0..2/);
  });
});
