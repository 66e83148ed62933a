// A run card exports the run for TRL or verl as a zip: the same folder as
// npm run export, with the settings that have no equivalent named on screen.
import { expect, test } from '@playwright/test';
import { runToJson } from '../src/app/export';
import { syntheticRun } from '../src/app/test-rows';
import { defaultRunConfig } from '../src/rl/config';
import { runPython } from '../src/testing/python';

const LIST_ZIP = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None
    print(json.dumps({"names": z.namelist(), "readme": z.read(next(n for n in z.namelist() if n.endswith("/README.md"))).decode()}))
`;

const runFile = runToJson({ name: 'D3S countdown', config: { ...defaultRunConfig(), algo: 'd3s', seed: 4, steps: 30, evalEvery: 10 }, rows: syntheticRun(30, 10), rollouts: null });

test('a run card downloads the run as a TRL or verl folder, zipped', async ({ page }) => {
  await page.goto('/');
  const input = page.getByLabel('Import run (JSON)');
  await expect(input).toBeEnabled();
  await input.setInputFiles({ name: 'd3s.json', mimeType: 'application/json', buffer: Buffer.from(runFile) });
  const run = page.getByRole('listitem', { name: 'Run D3S countdown' });
  await expect(run.getByTestId('run-status')).toHaveText('recorded');
  await run.getByText('More').click();

  for (const [engine, scripts] of [
    ['verl-rover', ['run_verl.sh', 'make_parquet.py']],
    ['trl', ['train_trl.py', 'trl_config.json', 'launch_trl.sh']],
  ] as const) {
    await run.getByLabel('Engine to export D3S countdown for').selectOption(engine);
    const [download] = await Promise.all([page.waitForEvent('download'), run.getByRole('button', { name: 'Export for TRL / verl' }).click()]);
    expect(download.suggestedFilename()).toBe(`d3s-countdown-${engine}.zip`);
    const listed = runPython(['-c', LIST_ZIP, await download.path()]);
    expect(listed.stderr).toBe('');
    const { names, readme } = JSON.parse(listed.stdout) as { names: string[]; readme: string };
    const folder = `d3s-countdown-${engine}/`;
    expect(names.sort()).toEqual(
      [...['README.md', 'lab_run.json', 'data/train.jsonl', 'data/eval.jsonl', 'reward/lab_completion.py', 'reward/countdown.py', 'lab_reward.py'], ...scripts].map((n) => folder + n).sort(),
    );
    expect(readme).toContain('algorithm **d3s**, seed 4, 30 steps');
    expect(readme).toContain('Kept samples (start) (`d3sSamplesInit`) = 50**');
    await expect(page.getByRole('status').filter({ hasText: `Exported “D3S countdown”` }).last()).toContainText('d3sSamplesInit, d3sSamplesFinal, d3sTokensInit, d3sTokensFinal');
  }
});
