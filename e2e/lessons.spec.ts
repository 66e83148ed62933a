// Every lesson opens from its own link, shows its text with typeset formulas,
// and its widget trains the real engine on a shipped tiny base until its
// first result appears.
import { type Page, type TestInfo, expect, test } from '@playwright/test';

async function shot(page: Page, testInfo: TestInfo, name: string) {
  await page.setViewportSize({ width: 1300, height: 1300 });
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

async function open(page: Page, n: number, title: RegExp) {
  await page.goto(`/#lesson=${n}`);
  await expect(page.getByRole('heading', { level: 2 })).toHaveText(new RegExp(`Lesson ${n} · .*${title.source}`));
  await expect(page.locator('.lesson-text .katex').first()).toBeVisible();
  await expect(page.getByTestId('adapter')).toContainText('WebGPU adapter:');
  await expect(page.getByRole('region', { name: 'Try this' }).getByRole('button')).toHaveCount(3);
}

const figure = (page: Page, name: string) => page.getByRole('figure', { name, exact: true });

test('lesson 1: one step shows the group with rewards, advantages and Δ log π, and the next step follows', async ({ page }, testInfo) => {
  await open(page, 1, /One RLVR step/);
  await page.getByRole('button', { name: 'Sample a group and update once' }).click();
  const group = page.getByRole('table', { name: 'Group of completions' });
  await expect(group.getByTestId('lesson-completion')).toHaveCount(8);
  await expect(group.getByTestId('lesson-completion').first().locator('.token').first()).toBeVisible();
  await expect(page.getByTestId('lesson-step-summary')).toContainText('step 1:');
  await expect(page.locator('.lesson-group .prompt')).toContainText('Step 1');
  await page.getByRole('button', { name: 'Next step' }).click();
  await expect(page.locator('.lesson-group .prompt')).toContainText('Step 2');
  await page.getByRole('button', { name: 'Copy lesson link' }).click();
  await expect(page.getByLabel('Lesson link')).toHaveValue(/#lesson=1&run=.*prompts%3D2/);
  await shot(page, testInfo, 'lesson-1');
});

test('lesson 2: frac_reward_zero_std is charted as the run trains', async ({ page }, testInfo) => {
  await open(page, 2, /learning cliff/);
  await page.getByRole('button', { name: /Train on the tree/ }).click();
  await expect(figure(page, 'frac_reward_zero_std')).toHaveAttribute('data-points', /^[1-9]/);
  await expect(figure(page, 'frac_reward_zero_std')).toHaveAttribute('data-series', '1');
  await shot(page, testInfo, 'lesson-2');
});

test('lesson 3: the base model’s pass@k against k appears', async ({ page }, testInfo) => {
  await open(page, 3, /Sharpening or discovery/);
  await page.getByRole('button', { name: 'Train GRPO from the base' }).click();
  await expect(figure(page, 'pass@k against k')).toHaveAttribute('data-points', '7');
  await expect(figure(page, 'pass@1 (training samples)')).toHaveAttribute('data-points', /^[1-9]/);
  await shot(page, testInfo, 'lesson-3');
});

test('lesson 4: the tree table shows learned probabilities beside exact Q^U and Q*, after a ROVER step', async ({ page }, testInfo) => {
  await open(page, 4, /ROVER’s theorem/);
  const base = page.getByRole('table', { name: 'Tree values: base model' });
  await expect(base.getByTestId('tree-prob')).toHaveCount(15);
  await page.getByRole('button', { name: 'Train ROVER on the tree' }).click();
  const learned = page.getByRole('table', { name: /Tree values: ROVER/ });
  await expect(learned.getByTestId('tree-prob')).toHaveCount(15, { timeout: 120_000 });
  await expect(learned.getByTestId('tree-prob').first()).toHaveText(/^0\.\d{3} · 0\.\d{3} · [01]$/);
  await expect(page.getByTestId('tree-summary').first()).toContainText(/Greedy on Q.*reward 1/);
  // Training quality, not only its display: the learned policy's mass on winning leaves rises well above the
  // base's (near uniform over the leaves: 0.02–0.07) and greedy decoding on π ends on a winner.
  const summary = page.locator('.lesson-tree-run').filter({ has: learned }).getByTestId('tree-summary');
  const winnerMass = async () => Number(/π on winning leaves: ([\d.]+)/.exec((await summary.textContent()) ?? '')?.[1] ?? 0);
  await expect.poll(winnerMass, { timeout: 170_000, intervals: [2000] }).toBeGreaterThan(0.5);
  await expect(summary).toContainText(/Greedy on π: \S+ \(reward 1\)/);
  await shot(page, testInfo, 'lesson-4');
});

test('lesson 5: D³S shows its keep mask and reward against tokens used', async ({ page }, testInfo) => {
  await open(page, 5, /D³S/);
  await page.getByRole('button', { name: 'Train D³S' }).click();
  await expect(page.getByRole('table', { name: 'Group of completions' }).locator('.token.dropped').first()).toBeVisible();
  await expect(figure(page, 'Reward against tokens used')).toHaveAttribute('data-points', /^[1-9]/);
  await expect(figure(page, 'Var(A) before → after down-sampling')).toHaveAttribute('data-series', '2');
  await shot(page, testInfo, 'lesson-5');
});

test('lesson 6: the polarity toggle trains positive-only, and pass@k against k appears', async ({ page }, testInfo) => {
  await open(page, 6, /Positive versus negative/);
  await page.getByRole('radio', { name: 'positive only (PSR)' }).check();
  await page.getByRole('button', { name: 'Train (positive only (PSR))' }).click();
  await expect(page.getByRole('listitem', { name: /positive only/ })).toBeVisible();
  await expect(figure(page, 'pass@k against k')).toHaveAttribute('data-series', '1');
  await page.getByRole('button', { name: 'Copy lesson link' }).click();
  await expect(page.getByLabel('Lesson link')).toHaveValue(/polarity%3Dpositive/);
  await shot(page, testInfo, 'lesson-6');
});

test('a lesson link carries its settings, and the lab’s Lessons link and back work', async ({ page }) => {
  await page.goto('/#lesson=2&run=' + encodeURIComponent('task=tree&group=6&prompts=2&evalEvery=0'));
  await expect(page.getByRole('button', { name: 'Train on the tree (G = 6)' })).toBeVisible();
  await page.getByRole('link', { name: 'Open the lab' }).click();
  await expect(page.getByRole('complementary', { name: 'Launcher' })).toBeVisible();
  await expect(page.locator('.banner')).toHaveCount(0);
  await page.getByRole('link', { name: 'Lessons' }).click();
  await expect(page.getByRole('heading', { level: 2 })).toContainText('Lesson 1');
  await expect(page.locator('.banner')).toHaveCount(0);
});
