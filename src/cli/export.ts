// npm run export -- (--run DIR | --link URL) --to trl|verl-rover --out DIR
// Writes a self-contained folder that trains the run on TRL or on the ROVER
// authors' verl fork: prompts, the verifier as Python, the mapped config,
// launch scripts and a README listing what did not carry over.
//   npm run export -- --write-docs    rewrites docs/scale-out.md's mapping table
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileSlug } from '../app/export';
import { parseShareHash } from '../app/share';
import { buildExport, type ExportRequest } from '../export/folder';
import { EXPORT_TARGETS, type ExportTarget } from '../export/mapping';
import { withMappingTable } from '../export/readme';
import { loadCheckpointFile } from '../model/checkpoint-node';
import { defaultBaseFile, readRunDir } from './run-files';

const USAGE = `Usage: npm run export -- (--run DIR | --link URL) --to ${EXPORT_TARGETS.join('|')} --out DIR

  --run DIR        a run folder written by npm run train (config.json, model.safetensors)
  --link URL       a share or results link from the lab (one folder per run it holds)
  --to TARGET      trl (TRL's GRPOTrainer) or verl-rover (the ROVER authors' verl fork)
  --out DIR        where to write the folder
  --base FILE      base checkpoint whose task config a link's runs use (default public/checkpoints/<task>-<preset>.safetensors)
  --write-docs     rewrite the mapping table in docs/scale-out.md and exit`;

const DOC = 'docs/scale-out.md';
const FLAGS = ['run', 'link', 'to', 'out', 'base'];

function parseArgs(argv: readonly string[]): { flags: Record<string, string>; switches: Set<string>; errors: string[] } {
  const flags: Record<string, string> = {};
  const switches = new Set<string>();
  const errors: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') continue;
    const key = arg.replace(/^--/, '');
    if (key === 'help' || key === 'write-docs') switches.add(key);
    else if (!arg.startsWith('--') || !FLAGS.includes(key)) errors.push(`unknown argument ${JSON.stringify(arg)}`);
    else if (i + 1 >= argv.length) errors.push(`${arg} needs a value`);
    else flags[key] = argv[++i];
  }
  if (switches.size === 0) {
    if ((flags.run === undefined) === (flags.link === undefined)) errors.push('give exactly one of --run DIR and --link URL');
    if (!(EXPORT_TARGETS as readonly string[]).includes(flags.to ?? '')) errors.push(`--to must be one of ${EXPORT_TARGETS.join(', ')}${flags.to ? `, got "${flags.to}"` : ''}`);
    if (flags.out === undefined) errors.push('--out DIR is required');
  }
  return { flags, switches, errors };
}

async function requestsFromLink(url: string, target: ExportTarget, base: string | undefined): Promise<ExportRequest[]> {
  const hash = url.includes('#') ? url.slice(url.indexOf('#')) : url;
  const link = await parseShareHash(hash);
  // The lab keeps a default where a link's value is refused; an export would then train another run, so it stops.
  if (link.issues.length > 0) throw new Error(`the link cannot be exported as it stands; nothing was written:\n  ${link.issues.join('\n  ')}`);
  if (link.runs.length === 0) throw new Error('the link holds no run (expected #run=… or #results=…)');
  const out: ExportRequest[] = [];
  for (const [i, run] of link.runs.entries()) {
    const from = base ?? defaultBaseFile(run.config);
    if (!existsSync(from)) throw new Error(`no base checkpoint at ${from} to read the task config of run ${i + 1} from; pass --base FILE`);
    const taskConfig = (await loadCheckpointFile(from)).meta.taskConfig as ExportRequest['taskConfig'];
    out.push({ target, config: run.config, taskConfig, name: run.name ?? `run ${i + 1}`, source: `a lab link (task config from ${from})` });
  }
  return out;
}

async function writeFolder(dir: string, req: ExportRequest): Promise<void> {
  const plan = buildExport(req);
  for (const f of plan.files) {
    const path = join(dir, f.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, f.text);
    if (f.executable) await chmod(path, 0o755);
  }
  const gaps = plan.mapped.unmatched.length ? `; no equivalent: ${plan.mapped.unmatched.join(', ')} (see README.md)` : '';
  console.log(`wrote ${dir}: ${plan.files.length} files, ${plan.trainPrompts} train prompts${gaps}`);
}

const { flags, switches, errors } = parseArgs(process.argv.slice(2));
if (switches.has('help')) {
  console.log(USAGE);
  process.exit(0);
}
if (errors.length) {
  console.error(`export: ${errors.join('\n        ')}\n(see npm run export -- --help)`);
  process.exit(2);
}
try {
  if (switches.has('write-docs')) {
    await writeFile(DOC, withMappingTable(await readFile(DOC, 'utf8')));
    console.log(`rewrote the mapping table in ${DOC}`);
    process.exit(0);
  }
  const target = flags.to as ExportTarget;
  if (flags.run !== undefined) {
    const run = await readRunDir(flags.run);
    await writeFolder(flags.out, { target, config: run.config, taskConfig: run.taskConfig, name: run.name, source: `${flags.run} (task config from ${run.taskConfigFrom})` });
  } else {
    const requests = await requestsFromLink(flags.link!, target, flags.base);
    for (const [i, req] of requests.entries()) await writeFolder(requests.length === 1 ? flags.out : join(flags.out, `${i + 1}-${fileSlug(req.name)}`), req);
  }
  process.exit(0);
} catch (e) {
  console.error(`export: ${(e as Error).message}`);
  process.exit(1);
}
