// A base policy for the toy tree that is uniform over its leaves: a few
// cross-entropy steps on uniformly drawn leaves teach the output format and
// nothing about the winners. (A freshly initialised model would spread its
// mass over every emittable token, so a well-formed episode would be too rare
// for RL to see any reward.)

import type { GpuContext } from '../gpu/context';
import { type Checkpoint, readCheckpoint, writeCheckpoint } from '../model/checkpoint';
import { DEFAULT_ADAMW, GptModel } from '../model/gpt';
import { demonstrationBatch } from '../model/pretrain';
import { CharTokenizer } from '../tasks/tokenizer';
import { tree } from '../tasks/tree';
import type { TaskConfig } from '../tasks/types';
import { randomBase } from './base-model';

export const UNIFORM_PRETRAIN_STEPS = 100;

export async function uniformTreeBase(ctx: GpuContext, cfg: { k: number; h: number; winners: number } & Partial<TaskConfig>, seed = 1): Promise<Checkpoint> {
  const init = randomBase('tree', cfg, {}, seed);
  const tokenizer = new CharTokenizer(init.meta.alphabet);
  const B = 64;
  const model = new GptModel(ctx, init.meta.config, { maxBatch: B, params: init.params });
  // A demonstration wins with probability correctRate, then picks a winner uniformly (else a loser uniformly): at winners/leaves every leaf is equally likely.
  const uniform = cfg.winners / cfg.k ** cfg.h;
  for (let step = 0; step < UNIFORM_PRETRAIN_STEPS; step++) {
    const batch = demonstrationBatch(tree, cfg as TaskConfig, tokenizer, 99, step, B, uniform, 0);
    model.zeroGrad();
    model.forward(batch.tokens, batch.B, batch.T);
    model.backward({ crossEntropyMask: batch.mask });
    model.step({ ...DEFAULT_ADAMW, lr: 1e-2, weightDecay: 0 });
  }
  const params = await model.readParams();
  model.dispose();
  return readCheckpoint(writeCheckpoint(init.layout, params, { ...init.meta, step: UNIFORM_PRETRAIN_STEPS }));
}
