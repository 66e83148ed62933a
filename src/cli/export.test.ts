// npm run export end to end: a run folder and a results link each become a
// folder on disk with its launcher executable; a link whose settings cannot
// all be read is refused with the reasons, and nothing is written.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultsHash } from '../app/share';
import { syntheticRun } from '../app/test-rows';
import { defaultRunConfig } from '../rl/config';
import { defaultBaseFile } from './run-files';

function exportCli(args: string[]) {
  return spawnSync(process.execPath, ['src/cli/launch.js', 'src/cli/export.ts', ...args], { encoding: 'utf8' });
}

describe('npm run export', () => {
  it('exports a run folder, and a results link, to disk', async () => {
    const work = mkdtempSync(join(tmpdir(), 'export-cli-'));
    const run = join(work, 'run');
    mkdirSync(run);
    const config = { ...defaultRunConfig(), task: 'paths' as const, algo: 'd3s' as const, steps: 3, prompts: 2, minibatches: 2 };
    writeFileSync(join(run, 'config.json'), JSON.stringify(config));
    copyFileSync(defaultBaseFile(config), join(run, 'model.safetensors'));
    const fromRun = exportCli(['--run', run, '--to', 'verl-rover', '--out', join(work, 'a')]);
    expect(fromRun.stderr).toBe('');
    expect(fromRun.stdout).toMatch(/9 files, 6 train prompts; no equivalent: d3sSamplesInit/);
    expect(statSync(join(work, 'a', 'run_verl.sh')).mode & 0o111).not.toBe(0);
    expect(JSON.parse(readFileSync(join(work, 'a', 'lab_run.json'), 'utf8'))).toMatchObject({ task: 'paths', target: 'verl-rover', config: { algo: 'd3s', steps: 3 } });

    const hash = await resultsHash([{ name: 'shared ROVER', config: { ...defaultRunConfig(), algo: 'rover', task: 'tree', steps: 20, evalEvery: 10 }, rows: syntheticRun(20, 10) }]);
    const fromLink = exportCli(['--link', `http://localhost:5173/${hash}`, '--to', 'trl', '--out', join(work, 'b')]);
    expect(fromLink.stderr).toBe('');
    expect(readFileSync(join(work, 'b', 'README.md'), 'utf8')).toContain('# shared ROVER: an RLVR Lab run exported for TRL');
    expect(JSON.parse(readFileSync(join(work, 'b', 'trl_config.json'), 'utf8')).grpo_config.max_steps).toBe(20 * 4);
  });

  it('refuses a link with unreadable settings, and bad arguments, saying why', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'export-cli-')), 'c');
    const bad = exportCli(['--link', 'http://x/#run=algo%3Dppo', '--to', 'trl', '--out', out]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('"algo" expected one of grpo, rover, d3s, got "ppo"');
    expect(existsSync(out)).toBe(false);
    const usage = exportCli(['--to', 'tpu']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/give exactly one of --run DIR and --link URL[\s\S]*--to must be one of trl, verl-rover, got "tpu"[\s\S]*--out DIR is required/);
  });
});
