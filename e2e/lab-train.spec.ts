// Training in the page with the real engine, from a small random base model
// uploaded in the launcher (so the test needs no pretrained files).
import { type Page, expect, test } from '@playwright/test';
import { writeCheckpoint } from '../src/model/checkpoint';
import { randomBase } from '../src/testing/base-model';

function baseFile() {
  const base = randomBase('countdown');
  return { name: 'countdown-random.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(writeCheckpoint(base.layout, base.params, base.meta)) };
}

async function configure(page: Page, settings: Record<string, string>) {
  const launcher = page.getByRole('complementary', { name: 'Launcher' });
  for (const group of ['Optimizer', 'Evaluation']) await launcher.getByText(group, { exact: true }).click();
  for (const [label, value] of Object.entries(settings)) await launcher.getByLabel(label, { exact: true }).fill(value);
  await launcher.getByLabel('Base checkpoint', { exact: true }).setInputFiles(baseFile());
  await expect(launcher.getByText('countdown-random.safetensors')).toBeVisible();
}

const tiny = { 'Prompts per step': '2', 'Group size': '4', Minibatches: '1', 'Eval prompts': '2', 'Eval samples (n)': '4' };
const stepOf = async (page: Page, name: RegExp) => Number((await page.getByRole('listitem', { name }).locator('.progress-text').textContent())!.split('/')[0]);

test('GRPO, ROVER and D³S train side by side: curves gain points, rollouts and pass@k against k appear', async ({ page }, testInfo) => {
  await page.goto('/');
  await expect(page.getByTestId('adapter')).toContainText('WebGPU adapter:');
  await configure(page, { ...tiny, Steps: '4', 'Evaluate every (steps)': '2' });
  await page.getByLabel('Comparison').selectOption({ label: 'GRPO vs ROVER vs D³S' });
  await page.getByRole('button', { name: /Launch comparison/ }).click();
  await expect(page.locator('li.run')).toHaveCount(3);
  for (const status of await page.getByTestId('run-status').all()) await expect(status).toHaveText('done', { timeout: 170_000 });
  await expect(page.locator('.run-error')).toHaveCount(0);
  const reward = page.getByRole('figure', { name: 'Reward (mean)' });
  await expect(reward).toHaveAttribute('data-points', '4');
  await expect(reward).toHaveAttribute('data-series', '3');
  await expect(page.getByRole('figure', { name: 'pass@k against k' })).toHaveAttribute('data-series', '4');
  await expect(page.getByTestId('completion-tokens').first()).not.toBeEmpty();
  await page.setViewportSize({ width: 1400, height: 1400 });
  const shot = testInfo.outputPath('lab-comparison.png');
  await page.screenshot({ path: shot, fullPage: true });
  await testInfo.attach('main view after a short comparison', { path: shot, contentType: 'image/png' });
  const run = page.getByRole('listitem', { name: /Run GRPO/ });
  await run.getByText('More').click();
  const [download] = await Promise.all([page.waitForEvent('download'), run.getByRole('button', { name: 'Checkpoint' }).click()]);
  expect(download.suggestedFilename()).toMatch(/step4\.safetensors$/);
});

test('a reload mid-run keeps the finished steps, and the run resumes from its saved state', async ({ page }) => {
  await page.goto('/');
  await configure(page, { ...tiny, Steps: '400', 'Evaluate every (steps)': '0' });
  await page.getByRole('button', { name: 'Launch run' }).click();
  const name = /Run GRPO/;
  const run = page.getByRole('listitem', { name });
  await expect(run.getByTestId('run-status')).toHaveText('running', { timeout: 60_000 });
  await expect.poll(() => stepOf(page, name), { timeout: 120_000 }).toBeGreaterThanOrEqual(3);
  // A state is saved every 2 s while running; give the run time to write one.
  await page.waitForTimeout(2500);
  await page.reload();
  await expect(run.getByTestId('run-status')).toHaveText('paused');
  const kept = await stepOf(page, name);
  expect(kept).toBeGreaterThanOrEqual(3);
  // The run worker stored the state in the lab's IndexedDB itself, and the run record names its step.
  const saved = await page.evaluate(
    () =>
      new Promise<{ blobs: string[]; savedSteps: (number | null)[] }>((resolve, reject) => {
        const open = indexedDB.open('rlvr-lab');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction(['blobs', 'runs']);
          const keys = tx.objectStore('blobs').getAllKeys();
          const runs = tx.objectStore('runs').getAll();
          tx.oncomplete = () => resolve({ blobs: keys.result.map(String), savedSteps: runs.result.map((r: { savedStep: number | null }) => r.savedStep) });
        };
      }),
  );
  expect(saved.blobs.filter((k) => k.endsWith('/state'))).toHaveLength(1);
  expect(saved.savedSteps).toHaveLength(1);
  expect(saved.savedSteps[0]).toBeGreaterThanOrEqual(1);
  expect(saved.savedSteps[0]).toBeLessThanOrEqual(kept);
  await expect(page.getByRole('figure', { name: 'Reward (mean)' })).toHaveAttribute('data-points', String(kept));
  await run.getByRole('button', { name: /Play/ }).click();
  await expect(run.getByTestId('run-status')).toHaveText('running');
  await expect.poll(() => stepOf(page, name), { timeout: 120_000 }).toBeGreaterThan(kept);
  await run.getByRole('button', { name: /Pause/ }).click();
  await expect(run.getByTestId('run-status')).toHaveText('paused');
  const paused = await stepOf(page, name);
  await run.getByRole('button', { name: /Step/ }).click();
  await expect.poll(() => stepOf(page, name)).toBe(paused + 1);
  await expect(page.locator('.run-error')).toHaveCount(0);
});
