// Sharing without the training engine: config links, results links (also with
// WebGPU switched off), malformed links, and runs that survive a reload.
import { type Browser, type Page, expect, test } from '@playwright/test';
import { defaultRunConfig } from '../src/rl/config';
import { resultsHash } from '../src/app/share';
import { syntheticRun } from '../src/app/test-rows';

const launcher = (page: Page) => page.getByRole('complementary', { name: 'Launcher' });
const runConfigs = (page: Page) => page.locator('li.run').evaluateAll((els) => els.map((e) => JSON.parse((e as HTMLElement).dataset.config!)));

async function pageWithoutWebGpu(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
  });
  return context.newPage();
}

test('a share link recreates every run with its settings and seed', async ({ page, browser }) => {
  await page.goto('/');
  await expect(page.getByTestId('adapter')).toContainText('WebGPU adapter:');
  await launcher(page).getByLabel('Seed', { exact: true }).fill('4242');
  await launcher(page).getByLabel('Steps', { exact: true }).fill('50');
  await launcher(page).getByLabel('Temperature', { exact: true }).fill('0.7');
  await page.getByLabel('Comparison').selectOption({ label: 'GRPO vs ROVER vs D³S' });
  await page.getByRole('button', { name: /Launch comparison/ }).click();
  await expect(page.locator('li.run')).toHaveCount(3);
  // Each run gets its own worker and starts training from the shipped base: none stays "starting", none fails.
  for (const status of await page.getByTestId('run-status').all()) await expect(status).toHaveText(/^(running|paused|done)$/, { timeout: 90_000 });
  await expect(page.locator('.run-error')).toHaveCount(0);
  const configs = await runConfigs(page);
  expect(configs.map((c) => c.algo)).toEqual(['grpo', 'rover', 'd3s']);
  expect(configs.every((c) => c.seed === 4242 && c.steps === 50 && c.temperature === 0.7)).toBe(true);

  await page.getByRole('button', { name: 'Share link' }).click();
  const link = await page.getByLabel('Link to share').inputValue();
  expect(link).toContain('#run=');

  const other = await (await browser.newContext()).newPage();
  await other.goto(link);
  await expect(other.locator('li.run')).toHaveCount(3);
  expect(await runConfigs(other)).toEqual(configs);
  await expect(other.getByText(/Added 3 run\(s\) from the link/)).toBeVisible();
  expect(new URL(other.url()).hash).toBe('');
  await other.getByRole('listitem', { name: /Run ROVER/ }).getByText('More').click();
  await other.getByRole('button', { name: 'Load settings into launcher' }).click();
  await expect(launcher(other).getByLabel('Seed', { exact: true })).toHaveValue('4242');
  await expect(launcher(other).getByLabel('Algorithm', { exact: true })).toHaveValue('rover');
  await expect(launcher(other).getByLabel('Temperature', { exact: true })).toHaveValue('0.7');
});

test('a results link shows the recorded curves with WebGPU disabled, and they survive a reload', async ({ browser }) => {
  const base = { ...defaultRunConfig(), steps: 60, evalEvery: 20, seed: 3 };
  const hash = await resultsHash(
    (['grpo', 'rover', 'd3s'] as const).map((algo, i) => ({ name: `${algo} run`, config: { ...base, algo }, rows: syntheticRun(60, 20, 1 + i / 2) })),
  );
  const page = await pageWithoutWebGpu(browser);
  await page.goto('/' + hash);
  await expect(page.getByTestId('adapter')).toContainText('WebGPU is not available');
  await expect(page.getByText('Training needs WebGPU')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Launch run' })).toBeDisabled();
  const checkCurves = async () => {
    await expect(page.locator('li.run')).toHaveCount(3);
    const reward = page.getByRole('figure', { name: 'Reward (mean)' });
    await expect(reward).toHaveAttribute('data-series', '3');
    await expect(reward).toHaveAttribute('data-points', '60');
    await expect(reward.locator('path.chart-line')).toHaveCount(3);
    const passk = page.getByRole('figure', { name: 'pass@k against k' });
    await expect(passk).toHaveAttribute('data-series', '4');
    await expect(passk.locator('path.chart-line')).toHaveCount(4);
    await expect(page.getByRole('figure', { name: 'Var(A) before → after down-sampling' })).toHaveAttribute('data-series', '6');
  };
  await checkCurves();
  await expect(page.getByTestId('run-status').first()).toHaveText('recorded');
  // The banner comes once every shared run is stored.
  await expect(page.getByText(/Showing the recorded curves of 3 shared run/)).toBeVisible();
  await page.reload();
  await checkCurves();
  const reward = page.getByRole('figure', { name: 'Reward (mean)' });
  await reward.locator('.chart-svg').hover({ position: { x: 200, y: 80 } });
  await expect(reward.getByRole('tooltip')).toContainText(/step \d+.*grpo run: 0\.\d+/);
});

test('a malformed link shows what is wrong and leaves a working lab with everything kept', async ({ page }) => {
  await page.goto('/#run=' + encodeURIComponent('algo=rover&lr=abc&seed=77&wings=2'));
  await expect(page.locator('li.run')).toHaveCount(1);
  await expect(page.getByRole('status').filter({ hasText: 'Some settings in this link were not usable' })).toContainText('"lr" expected a number');
  const [config] = await runConfigs(page);
  expect(config).toEqual({ ...defaultRunConfig(), algo: 'rover', seed: 77 });

  await page.goto('/#results=this-is-not-deflate!');
  await expect(page.getByRole('alert').filter({ hasText: 'This link is malformed' })).toContainText('damaged');
  await expect(page.locator('li.run')).toHaveCount(1);
  await expect(page.getByTestId('adapter')).toContainText('WebGPU adapter:');
  await launcher(page).getByLabel('Seed', { exact: true }).fill('-1');
  await expect(page.getByRole('alert').filter({ hasText: 'out of range' })).toBeVisible();
  await launcher(page).getByLabel('Seed', { exact: true }).fill('5');
  await expect(page.getByRole('button', { name: 'Launch run' })).toBeEnabled();
  await page.getByRole('button', { name: /Dismiss: This link is malformed/ }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'This link is malformed' })).toHaveCount(0);
});
