// Broken files chosen in the lab are refused with a message naming what is wrong.
import { expect, test } from '@playwright/test';
import { writeCheckpoint } from '../src/model/checkpoint';
import { randomBase } from '../src/testing/base-model';

function checkpointBytes(edit: (params: Float32Array) => void = () => {}): Buffer {
  const base = randomBase('countdown');
  const params = base.params.slice();
  edit(params);
  return Buffer.from(writeCheckpoint(base.layout, params, base.meta));
}

test('a base checkpoint with NaN weights, or cut short, is refused with the reason when it is chosen', async ({ page }) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  await page.goto('/');
  const picker = page.getByRole('complementary', { name: 'Launcher' }).getByLabel('Base checkpoint', { exact: true });
  const alert = page.getByRole('complementary', { name: 'Launcher' }).getByRole('alert');

  await picker.setInputFiles({ name: 'diverged.safetensors', mimeType: 'application/octet-stream', buffer: checkpointBytes((p) => (p[10] = NaN)) });
  await expect(alert).toContainText(/holds NaN at index \d+/);
  await expect(alert).toContainText('diverged');

  const good = checkpointBytes();
  await picker.setInputFiles({ name: 'cut.safetensors', mimeType: 'application/octet-stream', buffer: good.subarray(0, good.length - 100) });
  await expect(alert).toContainText(/Truncated safetensors file/);

  await picker.setInputFiles({ name: 'fine.safetensors', mimeType: 'application/octet-stream', buffer: good });
  await expect(alert).toHaveCount(0);
  expect(problems).toEqual([]);
});
