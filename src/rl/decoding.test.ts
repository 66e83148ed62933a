// The decoding setting: which tokens each task's policy may emit, and how long
// a completion may be, under 'full' and 'answer'.

import { describe, expect, it } from 'vitest';
import { getTask, TASK_REGISTRY } from '../tasks/registry';
import { EOS } from '../tasks/tokenizer';
import type { TaskName } from '../tasks/types';
import { completionBudget, excludedTokens } from './rollout';

describe.each(Object.keys(TASK_REGISTRY) as TaskName[])('%s', (name) => {
  const task = getTask(name);
  const cfg = task.defaults;
  const tok = task.tokenizer(cfg);

  it('full decoding excludes nothing and leaves room for EOS after the longest answer', () => {
    expect(excludedTokens(task, cfg, tok, 'full')).toEqual([]);
    expect(completionBudget(task, cfg, 'full')).toBe(task.maxCompletionChars(cfg) + 1);
  });

  it('answer decoding excludes exactly the characters outside the answer alphabet (and EOS where answers have one length)', () => {
    const excluded = excludedTokens(task, cfg, tok, 'answer');
    const allowed = tok.vocab.map((_, id) => id).filter((id) => id > EOS && !excluded.includes(id)).map((id) => tok.vocab[id]);
    expect(allowed.sort().join('')).toBe([...task.answerAlphabet(cfg)].sort().join(''));
    expect(excluded.includes(EOS)).toBe(task.fixedLength === true);
    expect(completionBudget(task, cfg, 'answer')).toBe(task.maxCompletionChars(cfg) + (task.fixedLength ? 0 : 1));
  });
});

it('only the tree tasks have answers of one length', () => {
  expect((Object.keys(TASK_REGISTRY) as TaskName[]).filter((n) => getTask(n).fixedLength)).toEqual(['tree', 'trees']);
});
