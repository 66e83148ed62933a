import { expect, test } from '@playwright/test';

test('the lab opens and reports the WebGPU adapter it found', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'RLVR Lab' })).toBeVisible();
  await expect(page.getByTestId('adapter')).toContainText('WebGPU adapter:');
});
