// Runs as files: export JSON and CSV, import them back, refuse broken files with a reason.
import { readFileSync } from 'node:fs';
import { type Page, expect, test } from '@playwright/test';
import { runToJson } from '../src/app/export';
import { syntheticRun } from '../src/app/test-rows';
import { defaultRunConfig } from '../src/rl/config';

const tokens = ['3', '+', '5', '*', '2', '⏎'];
const rollouts = {
  step: 30,
  prompt: '3 5 2 → 13',
  completions: [0, 1, 2].map((j) => ({ text: '3+5*2', tokens, reward: j % 2, correct: j % 2 === 1, advantage: j % 2 ? 0.8 : -0.4, entropy: tokens.map((_, i) => i / 5), kept: tokens.map((_, i) => (i + j) % 2), deltaLogp: tokens.map((_, i) => (i - 2) / 10), q: tokens.map((_, i) => (i - 2) / 10) })),
};
const runFile = runToJson({ name: 'ROVER from a file', config: { ...defaultRunConfig(), algo: 'rover', seed: 8, steps: 30, evalEvery: 10 }, rows: syntheticRun(30, 10), rollouts });

async function importFile(page: Page, name: string, text: string) {
  const input = page.getByLabel('Import run (JSON)');
  // The picker is disabled until the lab has opened its store; a person cannot pick a file before that, so neither does the test.
  await expect(input).toBeEnabled();
  await input.setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
}

test('an imported run shows its curves and rollouts, exports the same file back, and its metrics as CSV', async ({ page }) => {
  await page.goto('/');
  await importFile(page, 'rover.json', runFile);
  const run = page.getByRole('listitem', { name: 'Run ROVER from a file' });
  await expect(run.getByTestId('run-status')).toHaveText('recorded');
  await expect(page.getByRole('figure', { name: 'Reward (mean)' })).toHaveAttribute('data-points', '30');
  await expect(page.getByTestId('completion-tokens')).toHaveCount(3);
  const inspector = page.getByRole('region', { name: 'Rollout inspector' });
  await inspector.getByLabel('D³S keep-mask').check();
  await expect(inspector.locator('.token.dropped')).toHaveCount(9);
  await inspector.getByLabel('ROVER Q').check();
  await expect(inspector.locator('.token').first()).toHaveAttribute('title', /Q -0\.2000/);

  await run.getByText('More').click();
  const [json] = await Promise.all([page.waitForEvent('download'), run.getByRole('button', { name: 'Export JSON' }).click()]);
  expect(json.suggestedFilename()).toBe('rover-from-a-file.json');
  expect(JSON.parse(readFileSync(await json.path(), 'utf8'))).toEqual(JSON.parse(runFile));
  const [csv] = await Promise.all([page.waitForEvent('download'), run.getByRole('button', { name: 'Metrics CSV' }).click()]);
  const lines = readFileSync(await csv.path(), 'utf8').trimEnd().split('\n');
  expect(lines).toHaveLength(1 + 30 + 4);
  expect(lines[0]).toMatch(/^kind,step,loss,/);
  // A recorded run never trained here, so it has no policy to download.
  await expect(run.getByRole('button', { name: 'Checkpoint' })).toBeDisabled();
});

test('a broken run file is refused with the reason, and nothing else changes', async ({ page }) => {
  await page.goto('/');
  await importFile(page, 'good.json', runFile);
  await expect(page.locator('li.run')).toHaveCount(1);
  await importFile(page, 'broken.json', '{"format":"rlvr-lab/run","version":1,"config":{},"rows":[{"kind":"train","step":1}]}');
  await expect(page.getByRole('alert').filter({ hasText: 'Could not import broken.json' })).toContainText('row 1: "loss" should be a number');
  await importFile(page, 'odd.json', JSON.stringify({ ...JSON.parse(runFile), name: 'odd', config: { algo: 'ppo', seed: 3 } }));
  await expect(page.getByRole('status').filter({ hasText: 'Imported odd.json with changes' })).toContainText('config "algo": expected one of grpo, rover, d3s');
  await expect(page.locator('li.run')).toHaveCount(2);
});
