// Run health in the page with the real engine: a run whose numbers overflow
// stops with a message naming the step and the cause, and a run that
// collapses is flagged on its card and its charts while it goes on training.
import { type Page, expect, test } from '@playwright/test';
import { writeCheckpoint } from '../src/model/checkpoint';
import { buildLayout, cpuView, outputWeightName } from '../src/model/params';
import { randomBase } from '../src/testing/base-model';
import { collectErrors } from './page-errors';

/**
 * An honest way to meet NaN: a base checkpoint whose output matrix holds
 * weights at the edge of float32 (±3·10³⁸). Its logits overflow to ±Inf in
 * the first forward pass, and log-softmax turns Inf − Inf into NaN.
 */
function overflowingBase() {
  const base = randomBase('countdown');
  const layout = buildLayout(base.meta.config);
  const head = cpuView(base.params, layout, outputWeightName(base.meta.config));
  for (let i = 0; i < head.length; i++) head[i] = Math.sign(head[i] || 1) * 3e38;
  return { name: 'countdown-overflow.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(writeCheckpoint(layout, base.params, base.meta)) };
}

async function fill(page: Page, settings: Record<string, string>) {
  const launcher = page.getByRole('complementary', { name: 'Launcher' });
  for (const group of ['Optimizer', 'Evaluation']) await launcher.getByText(group, { exact: true }).click();
  for (const [label, value] of Object.entries(settings)) await launcher.getByLabel(label, { exact: true }).fill(value);
  return launcher;
}

const small = { 'Prompts per step': '2', 'Group size': '4', Minibatches: '1', 'Eval prompts': '2', 'Eval samples (n)': '4', 'Evaluate every (steps)': '0' };

test('a run that meets NaN stops at that step with a message naming the cause', async ({ page }) => {
  const errors = await collectErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('adapter')).toContainText('WebGPU adapter:');
  const launcher = await fill(page, { ...small, Steps: '20' });
  await launcher.getByLabel('Base checkpoint', { exact: true }).setInputFiles(overflowingBase());
  await expect(launcher.getByText('countdown-overflow.safetensors')).toBeVisible();
  await page.getByRole('button', { name: 'Launch run' }).click();
  const run = page.getByRole('listitem', { name: /Run GRPO/ });
  await expect(run.getByTestId('run-status')).toHaveText('failed', { timeout: 120_000 });
  await expect(run.getByRole('alert')).toContainText('Stopped at step 1:');
  await expect(run.getByRole('alert')).toContainText('the gradient norm is NaN');
  await expect(run.getByRole('alert')).toContainText('the base checkpoint itself produces non-finite values');
  // The broken step's rows were not kept: no NaN reaches the charts.
  await expect(page.getByRole('figure', { name: 'Reward (mean)' })).toHaveAttribute('data-points', '0');
  expect(errors).toEqual([]);
});

const stepOf = async (page: Page, name: RegExp) => Number((await page.getByRole('listitem', { name }).locator('.progress-text').textContent())!.split('/')[0]);

test('a run that collapses is flagged on its card and its charts, and keeps training', async ({ page }, testInfo) => {
  const errors = await collectErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('adapter')).toContainText('WebGPU adapter:');
  const launcher = page.getByRole('complementary', { name: 'Launcher' });
  // A real collapse: GRPO at the largest learning rate the lab allows, on the tree
  // task from its shipped base. Within about ten steps every group samples one path.
  await launcher.getByLabel('Task', { exact: true }).selectOption('tree');
  await fill(page, { ...small, 'Group size': '8', Steps: '60', 'Learning rate': '0.1' });
  await page.getByRole('button', { name: 'Launch run' }).click();
  const run = page.getByRole('listitem', { name: /Run GRPO/ });
  await expect(run.getByRole('status')).toContainText(/Collapsed at step \d+/, { timeout: 170_000 });
  await expect(page.getByRole('figure', { name: 'Token entropy (nats)' })).toHaveAttribute('data-markers', '1');
  await expect(page.getByRole('figure', { name: 'Token entropy (nats)' }).getByRole('list', { name: 'Legend' })).toContainText('collapsed at step');
  await expect(run.getByTestId('run-status')).not.toHaveText('failed');
  const flag = (await run.getByRole('status').textContent())!;
  testInfo.annotations.push({ type: 'collapse', description: flag });
  const flagged = Number(/Collapsed at step (\d+)/.exec(flag)![1]);
  await expect.poll(() => stepOf(page, /Run GRPO/), { timeout: 60_000 }).toBeGreaterThan(flagged + 1);
  await expect(run.getByTestId('run-status')).not.toHaveText('failed');
  expect(errors).toEqual([]);
});
