// The tasks' public surface: the contract, the registry and the exact tree values.

export type { AnyTask, KnobSpec, Split, TaskConfig, TaskName, TaskSpec } from './types';
export { contextLength, getTask, resolveConfig, TASK_REGISTRY } from './registry';
export { CharTokenizer, BOS, EOS, PAD } from './tokenizer';
export { countdown, countdownSolutions, type CountdownConfig, type CountdownProblem } from './countdown';
export { arithmetic, type ArithmeticConfig, type ArithmeticProblem } from './arithmetic';
export { paths, simplePaths, type PathsConfig, type PathsProblem } from './paths';
export { tree, qOptimal, qUniform, winningLeaves, leafIndex, leafActions, type TreeConfig, type TreeProblem } from './tree';
export { EVAL_MODULUS, splitOfKey } from './split';
