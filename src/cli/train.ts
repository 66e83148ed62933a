// npm run train -- --task countdown --algo rover --preset tiny --steps 50 --seed 1 --out runs/NAME
import { parseFlags, describe } from '../config/schema';
import { createNodeContext } from '../gpu/node';
import { runSchema } from '../rl/config';
import { defaultBaseFile, loadBase, trainToDir } from './run-files';

const EXTRA = ['out', 'base', 'help'];
const argv = process.argv.slice(2);
if (argv.includes('--help')) {
  console.log(`Usage: npm run train -- [options]\n\n  --out DIR                 where to write config.json, metrics.jsonl, model.safetensors (default runs/<task>-<algo>-s<seed>)\n  --base FILE               base checkpoint (default public/checkpoints/<task>-<preset>.safetensors)\n${describe(runSchema)}`);
  process.exit(0);
}
const { values: config, extra, errors } = parseFlags(runSchema, argv, EXTRA);
if (errors.length) {
  console.error(`train: ${errors.join('\n       ')}\n(see npm run train -- --help)`);
  process.exit(2);
}
try {
  const base = await loadBase(extra.base ?? defaultBaseFile(config), config.task, config.preset);
  const ctx = await createNodeContext();
  console.error(`adapter: ${ctx.adapter.name}`);
  const out = extra.out ?? `runs/${config.task}-${config.algo}-s${config.seed}`;
  const rows = await trainToDir(ctx, config, base, out);
  const evals = rows.filter((r) => r.kind === 'eval');
  const first = evals[0], last = evals[evals.length - 1];
  if (first && last && first.kind === 'eval' && last.kind === 'eval') {
    const fmt = (r: typeof first) => r.passAtK.map((p) => `pass@${p.k} ${p.value.toFixed(3)}`).join('  ');
    console.log(`base:  ${fmt(first)}  distinct ${first.distinctCorrect.toFixed(2)}`);
    console.log(`final: ${fmt(last)}  distinct ${last.distinctCorrect.toFixed(2)}`);
  }
  console.log(`wrote ${out}/config.json, metrics.jsonl, model.safetensors`);
  process.exit(0);
} catch (e) {
  console.error(`train: ${(e as Error).message}`);
  process.exit(1);
}
