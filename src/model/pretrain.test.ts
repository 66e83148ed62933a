import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { getTask, resolveConfig } from '../tasks/registry';
import { EOS, PAD } from '../tasks/tokenizer';
import { testContext } from '../testing/gpu';
import { decodeSafetensors, readCheckpoint } from './checkpoint';
import { type PretrainOptions, createPretrainer, demonstrationBatch, learningRate, parsePretrainFlags, parseTaskConfig } from './pretrain';

const arithmetic = getTask('arithmetic');
const smallArithmetic = resolveConfig(arithmetic, { terms: 2, digits: 1, multiply: 0 });

function options(overrides: Partial<PretrainOptions> = {}): PretrainOptions {
  return { task: 'arithmetic', taskConfig: smallArithmetic, preset: 'tiny', steps: 12, batch: 8, lr: 3e-3, correctRate: 0.5, seed: 3, promptWeight: 0, weightDecay: 0.01, warmupSteps: 2, ...overrides };
}

describe('demonstrationBatch', () => {
  it('lays out BOS, prompt, demonstration, EOS, PAD and weights only what follows the prompt', () => {
    const tokenizer = arithmetic.tokenizer(smallArithmetic);
    const b = demonstrationBatch(arithmetic, smallArithmetic, tokenizer, 5, 2, 4, 0.5, 0.25);
    for (let r = 0; r < b.B; r++) {
      const problem = arithmetic.generate(smallArithmetic, 'train', 5, 2 * 4 + r);
      const prompt = tokenizer.encodePrompt(arithmetic.promptText(problem));
      const demo = tokenizer.encode(arithmetic.demonstration(smallArithmetic, problem, 5, 2 * 4 + r, 0.5));
      const row = Array.from(b.tokens.subarray(r * b.T, (r + 1) * b.T));
      const mask = Array.from(b.mask.subarray(r * b.T, (r + 1) * b.T));
      const end = prompt.length + demo.length + 1;
      expect(row.slice(0, end)).toEqual([...prompt, ...demo, EOS]);
      expect(row.slice(end).every((t) => t === PAD)).toBe(true);
      // Position t predicts t+1: prompt tokens at the prompt weight, completion and EOS at 1, nothing after EOS.
      expect(mask).toEqual(row.map((_, t) => (t + 1 < prompt.length ? 0.25 : t < end - 1 ? 1 : 0)));
    }
    expect(b.T).toBe(Math.max(...Array.from({ length: b.B }, (_, r) => b.tokens.subarray(r * b.T, (r + 1) * b.T).indexOf(EOS) + 1)));
  });

  it('learning rate warms up linearly, then decays to a tenth', () => {
    const o = { lr: 1, steps: 100, warmupSteps: 10 };
    expect(learningRate(o, 0)).toBeCloseTo(0.1);
    expect(learningRate(o, 9)).toBeCloseTo(1);
    expect(learningRate(o, 10)).toBeCloseTo(1);
    expect(learningRate(o, 55)).toBeCloseTo(0.55);
    expect(learningRate(o, 100)).toBeCloseTo(0.1);
  });
});

describe('pretraining on the GPU', () => {
  it('lowers the loss within a few steps', async () => {
    const ctx = await testContext();
    // Same prompts every step would also pass by memorising; fresh batches make it learn the format.
    const trainer = createPretrainer(ctx, options({ steps: 10, lr: 1e-2, warmupSteps: 1 }));
    const losses: number[] = [];
    for (let i = 0; i < 10; i++) losses.push((await trainer.step()).loss);
    trainer.dispose();
    expect(losses.every(Number.isFinite)).toBe(true);
    const first = (losses[0] + losses[1]) / 2;
    const last = (losses[8] + losses[9]) / 2;
    // An untrained model is near uniform over the vocabulary; the demonstrations' format alone is worth far more than 0.3 nats.
    expect(first).toBeGreaterThan(Math.log(arithmetic.tokenizer(smallArithmetic).size) * 0.8);
    expect(last).toBeLessThan(first - 0.3);
  });

  it('is deterministic: same options → bit-identical checkpoint; another seed → different weights', async () => {
    const ctx = await testContext();
    const run = async (o: PretrainOptions) => {
      const trainer = createPretrainer(ctx, o);
      const losses: number[] = [];
      for (let i = 0; i < 3; i++) losses.push((await trainer.step()).loss);
      const bytes = new Uint8Array(await trainer.checkpoint({ note: 'x' }));
      trainer.dispose();
      return { bytes, losses };
    };
    const a = await run(options());
    const b = await run(options());
    const c = await run(options({ seed: 4 }));
    expect(b.losses).toEqual(a.losses);
    expect(Buffer.from(b.bytes).equals(Buffer.from(a.bytes))).toBe(true);
    expect(Buffer.from(c.bytes).equals(Buffer.from(a.bytes))).toBe(false);

    const ckpt = readCheckpoint(a.bytes.buffer as ArrayBuffer);
    expect(ckpt.meta.task).toBe('arithmetic');
    expect(ckpt.meta.taskConfig).toEqual(smallArithmetic);
    expect(ckpt.meta.alphabet).toBe(arithmetic.tokenizer(smallArithmetic).alphabet);
    expect(ckpt.meta.step).toBe(3);
    expect(decodeSafetensors(a.bytes.buffer as ArrayBuffer).metadata.note).toBe('x');
  });
});

describe('continuing from weights', () => {
  it('starts from the given parameters and counts steps on from theirs', async () => {
    const ctx = await testContext();
    const fresh = createPretrainer(ctx, options({ seed: 9 }));
    // Padding between tensors is not saved, so only nonzero (real) entries are perturbed.
    const params = readCheckpoint(await fresh.checkpoint()).params.map((x, i) => (x === 0 ? 0 : x + (i % 7) * 1e-3));
    fresh.dispose();
    const resumed = createPretrainer(ctx, options(), { params, step: 5 });
    const ckpt = readCheckpoint(await resumed.checkpoint());
    resumed.dispose();
    expect(ckpt.meta.step).toBe(5);
    expect(Buffer.from(ckpt.params.buffer).equals(Buffer.from(params.buffer))).toBe(true);
  });
});

describe('pretraining flags', () => {
  it('reads every option and the task knobs', () => {
    const r = parsePretrainFlags(['--task', 'paths', '--task-config', 'nodes=6,edges=8', '--steps', '7', '--correct-rate=0.2', '--out', 'x.safetensors']);
    expect(r.errors).toEqual([]);
    expect(r.options).toMatchObject({ task: 'paths', steps: 7, correctRate: 0.2, preset: 'tiny' });
    expect(r.options.taskConfig).toMatchObject({ nodes: 6, edges: 8 });
    expect(r.flags.out).toBe('x.safetensors');
  });

  it.each([
    [['--stepz', '3'], /unknown option --stepz/],
    [['--steps', '-1'], /--steps: -1 is out of range/],
    [['--correct-rate', '1.5'], /--correct-rate: 1.5 is out of range/],
    [['--stepz=3', '--lr', 'fast'], /--lr: expected a number/],
    [['--preset', 'huge'], /--preset: expected one of tiny, small, base/],
    [['--task', 'countdown', '--task-config', 'size=4'], /countdown has no knob "size"/],
    [['--task-config', 'count'], /"count" is not key=number/],
    [['stray'], /unexpected argument "stray"/],
  ])('refuses %j', (argv, message) => {
    const { errors } = parsePretrainFlags(argv);
    expect(errors.join('\n')).toMatch(message);
  });

  it('refuses a task config its task cannot generate from', () => {
    expect(parseTaskConfig('tree', 'k=8,h=8').errors.join('\n')).toMatch(/leaves/);
  });

  it('the CLI exits with status 2 and names the bad flag, before touching the GPU', () => {
    const r = spawnSync(process.execPath, ['src/cli/launch.js', 'src/cli/pretrain.ts', '--task', 'countdown', '--bogus', '1'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown option --bogus/);
    expect(r.stderr).toMatch(/--out is required/);
  }, 60_000);
});
