// The policy's shape. A GPT-2 style decoder (pre-norm blocks, learned
// positions, 4x MLP with tanh GELU); presets differ only in width and depth.
//
// Dimension legend: B batch, T time, C channels (dModel), V vocab, H heads,
// hs = C/H head size, L layers.

export interface ModelConfig {
  /** V: tokenizer size, specials included. */
  vocabSize: number;
  /** Tmax: longest sequence (prompt + completion) the model sees. */
  contextLength: number;
  /** C. */
  dModel: number;
  /** L. */
  nLayers: number;
  /** H; dModel must be a multiple of it. */
  nHeads: number;
  /** When true the output projection reuses the token embedding (no lm_head.weight). */
  tieEmbeddings: boolean;
}

export type PresetName = 'tiny' | 'small' | 'base';

const PRESET_SHAPES: Record<PresetName, Pick<ModelConfig, 'dModel' | 'nLayers' | 'nHeads'>> = {
  // ~50K parameters: small enough to train for a few steps on a CPU adapter in CI.
  tiny: { dModel: 32, nLayers: 4, nHeads: 4 },
  // ~0.5M parameters.
  small: { dModel: 96, nLayers: 4, nHeads: 4 },
  // ~3M parameters.
  base: { dModel: 192, nLayers: 7, nHeads: 6 },
};

export const PRESET_NAMES = Object.keys(PRESET_SHAPES) as PresetName[];

/** The preset whose width, depth and heads `config` has, or null for a shape of its own. */
export function presetOf(config: Pick<ModelConfig, 'dModel' | 'nLayers' | 'nHeads'>): PresetName | null {
  return PRESET_NAMES.find((n) => PRESET_SHAPES[n].dModel === config.dModel && PRESET_SHAPES[n].nLayers === config.nLayers && PRESET_SHAPES[n].nHeads === config.nHeads) ?? null;
}

/** A preset sized for a task's tokenizer and longest sequence. Embeddings are tied by default. */
export function presetConfig(name: PresetName, vocabSize: number, contextLength: number, overrides: Partial<ModelConfig> = {}): ModelConfig {
  const shape = PRESET_SHAPES[name];
  if (!shape) throw new Error(`Unknown model preset "${String(name)}"; known presets: ${PRESET_NAMES.join(', ')}`);
  const config: ModelConfig = { vocabSize, contextLength, ...shape, tieEmbeddings: true, ...overrides };
  validateConfig(config);
  return config;
}

/** Throws an Error listing every problem with `config`; returns it unchanged when valid. */
export function validateConfig(config: ModelConfig): ModelConfig {
  const problems: string[] = [];
  const positiveInt = (key: keyof ModelConfig) => {
    const v = config[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) problems.push(`${key} must be a positive integer, got ${JSON.stringify(v)}`);
  };
  positiveInt('vocabSize');
  positiveInt('contextLength');
  positiveInt('dModel');
  positiveInt('nLayers');
  positiveInt('nHeads');
  if (typeof config.tieEmbeddings !== 'boolean') problems.push(`tieEmbeddings must be true or false, got ${JSON.stringify(config.tieEmbeddings)}`);
  if (problems.length === 0 && config.dModel % config.nHeads !== 0) {
    problems.push(`dModel (${config.dModel}) must be divisible by nHeads (${config.nHeads})`);
  }
  // The output layer needs a bos/eos/pad and at least one real token to mean anything.
  if (problems.length === 0 && config.vocabSize < 4) problems.push(`vocabSize must be at least 4 (3 specials + 1 character), got ${config.vocabSize}`);
  if (problems.length === 0 && config.contextLength < 2) problems.push(`contextLength must be at least 2, got ${config.contextLength}`);
  if (problems.length > 0) throw new Error(`Invalid model config: ${problems.join('; ')}`);
  return config;
}

/** Number of trainable parameters (without the alignment padding of the flat buffer). */
export function parameterCount(config: ModelConfig): number {
  const { vocabSize: V, contextLength: T, dModel: C, nLayers: L } = config;
  // ln_1 (2C) + c_attn (3C·C + 3C) + attn.c_proj (C·C + C) + ln_2 (2C) + c_fc (4C·C + 4C) + mlp.c_proj (4C·C + C)
  const perLayer = 12 * C * C + 13 * C;
  return V * C + T * C + L * perLayer + 2 * C + (config.tieEmbeddings ? 0 : V * C);
}

export function headSize(config: ModelConfig): number {
  return config.dModel / config.nHeads;
}

/** Parses a config from untrusted JSON (checkpoints, URLs), naming what is wrong. */
export function parseConfig(value: unknown): ModelConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`Model config must be an object, got ${JSON.stringify(value)}`);
  const v = value as Record<string, unknown>;
  const keys: (keyof ModelConfig)[] = ['vocabSize', 'contextLength', 'dModel', 'nLayers', 'nHeads', 'tieEmbeddings'];
  const missing = keys.filter((k) => !(k in v));
  if (missing.length > 0) throw new Error(`Model config is missing ${missing.join(', ')}`);
  const config = Object.fromEntries(keys.map((k) => [k, v[k]])) as unknown as ModelConfig;
  return validateConfig(config);
}
