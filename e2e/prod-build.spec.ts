// The production build, as npm start serves it: the launcher's first
// comparison (the quick experiment) trains both its runs to the end, and every
// chart fills, with no page or console error.
import { expect, test } from '@playwright/test';
import { collectErrors } from './page-errors';

test('the production build trains the quick comparison to the end', async ({ page }) => {
  const errors = await collectErrors(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/');
  await expect(page.getByTestId('adapter')).toContainText('WebGPU adapter:');
  await expect(page.getByLabel('Comparison')).toHaveValue('shipped-quick');
  await page.getByRole('button', { name: /Launch comparison \(2 runs\)/ }).click();
  await expect(page.locator('li.run')).toHaveCount(2);
  for (const status of await page.getByTestId('run-status').all()) await expect(status).toHaveText('done', { timeout: 170_000 });
  await expect(page.locator('.run-error')).toHaveCount(0);
  const entropy = page.getByRole('figure', { name: 'Token entropy (nats)' });
  await expect(entropy).toHaveAttribute('data-series', '2');
  await expect(entropy).toHaveAttribute('data-points', '30');
  await expect(page.getByRole('figure', { name: 'pass@k against k' })).toHaveAttribute('data-series', '3');
  // Only D³S reports Var(A) before and after its down-sampling; every other chart has points.
  await expect(page.locator('.chart-empty')).toHaveCount(1);
  await expect(page.getByRole('figure', { name: 'Var(A) before → after down-sampling' }).locator('.chart-empty')).toHaveCount(1);
  expect(errors).toEqual([]);
});
