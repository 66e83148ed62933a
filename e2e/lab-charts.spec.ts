// How the charts read at 1280×800: a legend on each, y axes that fit the
// metric with tick labels that never repeat, and the collapse marker. Drawn
// from a results link, so no training is needed.
import { expect, test } from '@playwright/test';
import { resultsHash } from '../src/app/share';
import { syntheticRun } from '../src/app/test-rows';
import { defaultRunConfig } from '../src/rl/config';
import type { MetricsRow } from '../src/rl/types';
import { collectErrors } from './page-errors';

/** Three runs whose entropy barely moves (3.0905…3.0914, the axis that once read "3.09 3.09 3.09"); ROVER collapses at step 40. */
function runs() {
  const base = { ...defaultRunConfig(), steps: 60, evalEvery: 20, seed: 3 };
  return (['grpo', 'rover', 'd3s'] as const).map((algo, i) => {
    const rows: MetricsRow[] = syntheticRun(60, 20, 1 + i / 2).map((r) => {
      if (r.kind !== 'train') return r;
      const entropy = 3.0905 + r.step * 1.2e-5 + i * 1e-4;
      return { ...r, entropy, fracGroupsIdentical: algo === 'rover' && r.step >= 40 ? 1 : 0 };
    });
    return { name: `${algo.toUpperCase()} run`, config: { ...base, algo }, rows };
  });
}

test('every chart has a legend, a y axis that fits its metric, and tick labels that never repeat', async ({ page }, testInfo) => {
  const errors = await collectErrors(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/' + (await resultsHash(runs())));
  await expect(page.locator('li.run')).toHaveCount(3);
  // The banner comes once every shared run is stored.
  await expect(page.getByText(/Showing the recorded curves of 3 shared run/)).toBeVisible();
  const charts = page.locator('figure.chart');
  await expect(page.getByRole('figure', { name: 'Token entropy (nats)' })).toHaveAttribute('data-markers', '1');

  for (const chart of await charts.all()) {
    const name = await chart.getAttribute('aria-label');
    if (Number(await chart.getAttribute('data-series')) === 0) continue;
    // Charts redraw at most once a second: read the series count and the legend together until they agree.
    const legendMatches = async () => {
      const expected = Number(await chart.getAttribute('data-series')) + Number(await chart.getAttribute('data-markers'));
      return (await chart.getByRole('list', { name: 'Legend' }).getByRole('listitem').count()) === expected;
    };
    await expect.poll(legendMatches, { message: `${name} legend` }).toBe(true);
    const labels = await chart.locator('.chart-y-ticks .chart-tick').allTextContents();
    expect(labels.length, `${name} y ticks`).toBeGreaterThanOrEqual(3);
    expect(new Set(labels).size, `${name}: ${labels.join(' ')}`).toBe(labels.length);
  }

  const yTicks = (name: string) => page.getByRole('figure', { name, exact: true }).locator('.chart-y-ticks .chart-tick').allTextContents();
  for (const rate of ['Reward (mean)', 'pass@1 (training samples)', 'pass@k against k']) expect(await yTicks(rate), rate).toEqual(['0', '0.2', '0.4', '0.6', '0.8', '1.0']);
  const entropy = await yTicks('Token entropy (nats)');
  expect(entropy.filter((l) => l.startsWith('3.09')).length).toBeGreaterThanOrEqual(2);

  const legend = (name: string) => page.getByRole('figure', { name, exact: true }).getByRole('list', { name: 'Legend' });
  await expect(legend('pass@k against k')).toContainText('base model');
  await expect(legend('Var(A) before → after down-sampling')).toContainText('D3S run (before)');
  await expect(legend('Var(A) before → after down-sampling')).toContainText('D3S run (after)');
  // The base is dashed, every run solid; Var(A)'s "after" lines are dashed.
  const dashOf = (name: string, item: string) => legend(name).getByRole('listitem').filter({ hasText: item }).locator('line').getAttribute('stroke-dasharray');
  expect(await dashOf('pass@k against k', 'base model')).toBeTruthy();
  expect(await dashOf('pass@k against k', 'GRPO run')).toBeNull();
  expect(await dashOf('Var(A) before → after down-sampling', 'GRPO run (after)')).toBeTruthy();

  // ROVER collapsed at step 40: its card says so, and every training chart marks it.
  await expect(page.getByRole('listitem', { name: 'Run ROVER run' }).getByRole('status')).toContainText('Collapsed at step 40: every group’s completions are identical');
  await expect(page.getByRole('figure', { name: 'Token entropy (nats)' })).toHaveAttribute('data-markers', '1');
  await expect(legend('Token entropy (nats)')).toContainText('ROVER run collapsed at step 40');
  await expect(page.getByRole('figure', { name: 'Token entropy (nats)' }).locator('.chart-marker')).toHaveCount(1);

  const shot = testInfo.outputPath('charts-1280x800.png');
  await page.locator('section.charts').screenshot({ path: shot });
  await testInfo.attach('charts at 1280×800', { path: shot, contentType: 'image/png' });
  await page.screenshot({ path: testInfo.outputPath('page-1280x800.png') });
  expect(errors).toEqual([]);
});
