// Wrong input at first sight: altered, junk and unreadable links, invalid
// settings, a mismatched base checkpoint, an overlong run name; the first view
// on a desktop and on a phone. No test here may leave an uncaught error or a
// console error behind.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { type Browser, type Page, test as base, expect } from '@playwright/test';
import { runToJson } from '../src/app/export';
import { MAX_RUN_NAME_LENGTH } from '../src/app/run-name';
import { configHash, resultsHash } from '../src/app/share';
import { syntheticRun } from '../src/app/test-rows';
import { defaultRunConfig } from '../src/rl/config';

/** Collects page errors, console errors and failed requests of a page. */
function watch(page: Page, into: string[]) {
  page.on('pageerror', (e) => into.push(`uncaught: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && into.push(`console: ${m.text()}`));
  page.on('response', (r) => r.status() >= 400 && into.push(`HTTP ${r.status()}: ${r.url()}`));
}

const test = base.extend<{ problems: string[] }>({
  problems: async ({ page }, provide) => {
    const problems: string[] = [];
    watch(page, problems);
    await provide(problems);
    expect(problems).toEqual([]);
  },
});

const launcher = (page: Page) => page.getByRole('complementary', { name: 'Launcher' });
const field = (page: Page, label: string) => launcher(page).getByLabel(label, { exact: true });
const checkpoint = (name: string) => ({ name, mimeType: 'application/octet-stream', buffer: readFileSync(`public/checkpoints/${name}`) });

async function openLab(page: Page, hash = '') {
  await page.goto('/' + hash);
  await expect(page.getByTestId('adapter')).toContainText(/WebGPU adapter:|not available/);
}

async function importRun(page: Page, name: string, text: string) {
  const input = page.getByLabel('Import run (JSON)');
  await expect(input).toBeEnabled();
  await input.setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
}

async function pageWithoutWebGpu(browser: Browser, problems: string[]): Promise<Page> {
  const context = await browser.newContext();
  await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true }));
  const page = await context.newPage();
  watch(page, problems);
  return page;
}

test('a results link with one character changed is refused; an intact one opens verified; one without a check opens marked unverified', async ({ page, problems }) => {
  void problems;
  const hash = await resultsHash([{ name: 'd3s run', config: { ...defaultRunConfig(), algo: 'd3s', steps: 40 }, rows: syntheticRun(40, 20) }]);
  const at = hash.indexOf('=') + 1 + 40;
  const flipped = hash.slice(0, at) + (hash[at] === 'A' ? 'B' : 'A') + hash.slice(at + 1);
  await openLab(page, flipped);
  await expect(page.getByRole('alert').filter({ hasText: 'This link fails its integrity check' })).toContainText('do not match the check');
  await expect(page.locator('li.run')).toHaveCount(0);

  await page.goto('/' + hash);
  await expect(page.locator('li.run')).toHaveCount(1);
  await expect(page.getByText(/Showing the recorded curves of 1 shared run/)).toBeVisible();
  await expect(page.getByText('Unverified link')).toHaveCount(0);

  await page.goto('/' + hash.replace(/&check=.*$/, ''));
  await expect(page.locator('li.run')).toHaveCount(2);
  await expect(page.getByRole('status').filter({ hasText: 'Unverified link' })).toContainText('no integrity check');
});

test('a run link of 200 KB of junk is named and loads nothing', async ({ page, problems }) => {
  void problems;
  await openLab(page, '#run=' + 'Zm9vYmFy'.repeat(25_000));
  const alert = page.getByRole('alert').filter({ hasText: 'This link is malformed' });
  await expect(alert).toContainText('Run 1: its settings are unreadable: 195.3 KB long');
  await expect(page.locator('li.run')).toHaveCount(0);
  await expect(page.getByText('Opened a shared link')).toHaveCount(0);
  await page.goto('/#run=hello');
  await expect(page.getByRole('alert').filter({ hasText: 'This link is malformed' }).last()).toContainText('no setting this lab knows ("hello")');
  await expect(page.locator('li.run')).toHaveCount(0);
});

test('hand-typed settings fill the launcher, and the address bar follows the launcher', async ({ page, problems }) => {
  void problems;
  await openLab(page, '#task=paths&algo=rover&rho=3&seed=2&group=1');
  await expect(field(page, 'Task')).toHaveValue('paths');
  await expect(field(page, 'Algorithm')).toHaveValue('rover');
  await expect(field(page, 'ρ (rover_t)')).toHaveValue('3');
  await expect(field(page, 'Seed')).toHaveValue('2');
  await expect(page.getByRole('status').filter({ hasText: 'The launcher took the settings of this link, except these' })).toContainText('"group" 1 is out of range [2, 64]; the default was kept');
  await expect(page.locator('li.run')).toHaveCount(0);
  await expect.poll(() => new URL(page.url()).hash).toBe('#task=paths&algo=rover&seed=2&rho=3');
  await field(page, 'Seed').fill('7');
  await expect.poll(() => new URL(page.url()).hash).toBe('#task=paths&algo=rover&seed=7&rho=3');
  await page.reload();
  await expect(field(page, 'Seed')).toHaveValue('7');
  await expect(page.locator('li.run')).toHaveCount(0);
  // To the lessons and back: the lab's own address brings no news.
  await page.getByRole('link', { name: 'Lessons' }).click();
  await expect(page.getByRole('heading', { level: 2 })).toHaveText(/^Lesson 1 · /);
  await page.goBack();
  await expect(field(page, 'Seed')).toHaveValue('7');
  await expect.poll(() => new URL(page.url()).hash).toBe('#task=paths&algo=rover&seed=7&rho=3');
  await expect(page.getByText('The launcher took the settings of this link')).toHaveCount(1);
});

test('an invalid field switches off every launch button, which names the field', async ({ page, problems }) => {
  void problems;
  await openLab(page);
  const run = page.getByRole('button', { name: 'Launch run' });
  const comparison = page.getByRole('button', { name: /Launch comparison/ });
  await field(page, 'Group size').fill('1');
  await launcher(page).locator('summary', { hasText: 'Optimizer' }).click();
  await field(page, 'Learning rate').fill('10');
  for (const button of [run, comparison]) {
    await expect(button).toBeDisabled();
    await expect(button).toHaveAccessibleDescription('Fix Group size, Learning rate to launch.');
  }
  await expect(launcher(page).getByTestId('launch-blocked')).toHaveText(['Fix Group size, Learning rate to launch.', 'Fix Group size, Learning rate to launch.']);
  await field(page, 'Group size').fill('4');
  await expect(run).toHaveAccessibleDescription('Fix Learning rate to launch.');
  await field(page, 'Learning rate').fill('0.001');
  await expect(launcher(page).getByTestId('launch-blocked')).toHaveCount(0);
  if ((await page.getByTestId('adapter').textContent())?.includes('WebGPU adapter:')) {
    await expect(run).toBeEnabled();
    await expect(comparison).toBeEnabled();
  }

  // A lesson link whose settings contradict each other keeps the lesson's launchers off and says why.
  await page.goto('/#lesson=2&run=' + encodeURIComponent('prompts=1&group=2&minibatches=4'));
  await expect(page.getByRole('button', { name: /Train on the tree/ })).toBeDisabled();
  await expect(page.getByTestId('launch-blocked')).toContainText('Minibatches: 4 minibatches but only 2 rollouts per step');
});

test('setting help opens from the keyboard and is the field’s description', async ({ page, problems }) => {
  void problems;
  await openLab(page);
  await expect(field(page, 'Group size')).toHaveAccessibleDescription(/completions sampled per prompt.*Default 8; valid 2 … 64/);
  const help = launcher(page).getByRole('button', { name: 'About Group size' });
  await help.focus();
  await page.keyboard.press('Enter');
  await expect(help).toHaveAttribute('aria-expanded', 'true');
  await expect(launcher(page).getByText(/G: completions sampled per prompt/)).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(launcher(page).getByText(/G: completions sampled per prompt/)).toBeHidden();
});

test('an unreadable lesson link warns and opens the lesson with its own settings', async ({ page, problems }) => {
  void problems;
  for (const [hash, lesson] of [['#lesson=4&run=%E0%A4%A', 4], ['#lesson=2&run=hello', 2]] as const) {
    await page.goto('/' + hash);
    await expect(page.getByRole('heading', { level: 2 })).toHaveText(new RegExp(`^Lesson ${lesson} · `));
    await expect(page.getByRole('status').filter({ hasText: 'Some settings in this lesson link were not usable' })).toContainText("unreadable");
    await expect(page.getByRole('status').filter({ hasText: 'Some settings in this lesson link were not usable' })).toContainText("the lesson's own settings were used");
  }
});

test('a 5000-character name with bidi overrides neither widens the page nor displays reversed', async ({ page, problems }) => {
  void problems;
  const long = '\u202E' + 'W'.repeat(5000);
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 800 });
    await openLab(page);
    await importRun(page, `long-${width}.json`, runToJson({ name: long, config: { ...defaultRunConfig(), steps: 10 }, rows: syntheticRun(10, 5), rollouts: null }));
    const name = page.locator('li.run .run-name').last();
    await expect(name).toBeVisible();
    const text = (await name.textContent())!;
    expect(Array.from(text)).toHaveLength(MAX_RUN_NAME_LENGTH);
    expect(text).not.toContain('\u202E');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `page wider than the ${width}px viewport`).toBeLessThanOrEqual(0);
  }
});

test('a base checkpoint is checked when chosen: the Model follows the file, another task is named', async ({ page, problems }) => {
  void problems;
  await openLab(page);
  const file = launcher(page).getByLabel('Base checkpoint', { exact: true });
  await expect(field(page, 'Model')).toHaveValue('tiny');
  await file.setInputFiles(checkpoint('countdown-small.safetensors'));
  await expect(field(page, 'Model')).toHaveValue('small');
  await expect(launcher(page).getByRole('status')).toHaveText('Model set to small to match countdown-small.safetensors.');
  await expect(launcher(page).getByText(/countdown-small\.safetensors · countdown · small · SHA-256 [0-9a-f]{16}/)).toBeVisible();

  await file.setInputFiles(checkpoint('paths-tiny.safetensors'));
  await expect(launcher(page).getByRole('alert')).toHaveText('paths-tiny.safetensors was trained on the paths task, but the run is set to countdown');
  await expect(page.getByRole('button', { name: 'Launch run' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Launch run' })).toHaveAccessibleDescription('Fix Base checkpoint to launch.');
  await field(page, 'Task').selectOption('paths');
  await expect(launcher(page).getByRole('alert')).toHaveCount(0);
  await expect(launcher(page).getByTestId('launch-blocked')).toHaveCount(0);
});

test('without WebGPU a share link does not ask to press play', async ({ browser, problems }) => {
  const page = await pageWithoutWebGpu(browser, problems);
  await page.goto('/' + configHash([{ ...defaultRunConfig(), seed: 5 }]));
  await expect(page.getByRole('status').filter({ hasText: 'Opened a shared link' })).toContainText('training them needs WebGPU, which this browser lacks');
  await expect(page.getByText(/press play/)).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Play / })).toBeDisabled();
  await page.context().close();
});

test('the first view at 1280×800 and on a phone (390×844): the launcher comes first on the phone', async ({ page, problems }, testInfo) => {
  void problems;
  const dir = testInfo.outputPath('first-view');
  mkdirSync(dir, { recursive: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await openLab(page);
  await expect(page.getByRole('button', { name: 'Launch run' })).toBeVisible();
  await page.screenshot({ path: `${dir}/first-view-1280x800.png` });
  let box = (await launcher(page).boundingBox())!;
  let main = (await page.locator('main').boundingBox())!;
  expect(box.x + box.width).toBeLessThanOrEqual(main.x + 1);
  expect(Math.abs(box.y - main.y)).toBeLessThan(2);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${dir}/first-view-390x844.png` });
  box = (await launcher(page).boundingBox())!;
  main = (await page.locator('main').boundingBox())!;
  expect(box.y + box.height).toBeLessThanOrEqual(main.y + 1);
  expect(box.y).toBeLessThan(844 / 3);
  expect(box.width).toBeGreaterThan(350);
  await expect(launcher(page).getByRole('heading', { name: 'Launch' })).toBeInViewport();
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
  await testInfo.attach('first-view-390x844', { path: `${dir}/first-view-390x844.png`, contentType: 'image/png' });
});

test('a share link of a run from an uploaded base says the base is not in it, naming the file and its hash', async ({ page, problems }) => {
  void problems;
  await openLab(page);
  test.skip(!(await page.getByTestId('adapter').textContent())?.includes('WebGPU adapter:'), 'launching needs a WebGPU adapter');
  await field(page, 'Steps').fill('1');
  await launcher(page).locator('summary', { hasText: 'Evaluation' }).click();
  await field(page, 'Eval prompts').fill('1');
  await field(page, 'Eval samples (n)').fill('1');
  await launcher(page).getByLabel('Base checkpoint', { exact: true }).setInputFiles(checkpoint('countdown-tiny.safetensors'));
  const hash = (await launcher(page).getByText(/SHA-256 [0-9a-f]{16}/).textContent())!.match(/SHA-256 ([0-9a-f]{16})/)![1];
  await page.getByRole('button', { name: 'Launch run' }).click();
  await expect(page.locator('li.run')).toHaveCount(1);
  await page.getByRole('button', { name: 'Share link' }).click();
  const note = page.locator('.share-link .hint');
  await expect(note).toContainText('which the link does not include: countdown-tiny.safetensors (SHA-256 ' + hash + ')');
  await expect(note).not.toContainText('Recreates');
  await expect(page.getByTestId('run-status')).toHaveText(/done|running|starting…/);
});

test('Pause, Step and Stop say they are waiting until the worker answers', async ({ page, problems }) => {
  void problems;
  await openLab(page);
  test.skip(!(await page.getByTestId('adapter').textContent())?.includes('WebGPU adapter:'), 'training needs a WebGPU adapter');
  for (const [label, value] of Object.entries({ Steps: '400', 'Prompts per step': '2', 'Group size': '4' })) await field(page, label).fill(value);
  await launcher(page).locator('summary', { hasText: 'Optimizer' }).click();
  await field(page, 'Minibatches').fill('1');
  await launcher(page).locator('summary', { hasText: 'Evaluation' }).click();
  await field(page, 'Evaluate every (steps)').fill('0');
  await field(page, 'Eval prompts').fill('1');
  await field(page, 'Eval samples (n)').fill('1');
  await page.getByRole('button', { name: 'Launch run' }).click();
  const run = page.locator('li.run');
  const status = run.getByTestId('run-status');
  await expect(status).toHaveText('running', { timeout: 120_000 });
  // Clicked and read in one task of the page (after React's render, which runs in a microtask): no message
  // from the worker can have arrived in between, so what shows is the pending state.
  const pressNow = (name: string) =>
    run.getByRole('button', { name }).evaluate(async (b: HTMLButtonElement) => {
      b.click();
      await new Promise<void>((resolve) => queueMicrotask(resolve));
      return [b.textContent, b.disabled, document.querySelector('[data-testid="run-status"]')!.textContent];
    });
  expect(await pressNow('Pause GRPO · countdown · seed 1')).toEqual(['❚❚ Pausing…', true, 'pausing…']);
  await expect(status).toHaveText('paused');
  await expect(run.getByRole('button', { name: /^Pause / })).toHaveText('❚❚ Pause');
  expect(await pressNow('Step GRPO · countdown · seed 1')).toEqual(['⏭ Stepping…', true, 'stepping…']);
  await expect(run.getByRole('button', { name: /^Step / })).toHaveText('⏭ Step');
  await expect(status).toHaveText('paused');
  expect(await pressNow('Stop GRPO · countdown · seed 1')).toEqual(['■ Stopping…', true, 'stopping…']);
  await expect(status).toHaveText('stopped');
});

test('the first page lists the finished experiments; one opens as a verified results link with its runs and curves, without training', async ({ page, problems }, testInfo) => {
  void problems;
  const gallery = JSON.parse(readFileSync('public/gallery.json', 'utf8')) as { entries: { experiment: string; hash: string }[] };
  expect(gallery.entries.map((e) => e.experiment)).toEqual(['quick', 'sharpening', 'rover-diversity', 'polarity', 'd3s-tokens']);
  await openLab(page);
  const list = page.getByRole('region', { name: 'Finished experiments' });
  await expect(list.getByRole('link')).toHaveCount(5);
  await list.getByRole('link', { name: 'rover-diversity' }).click();
  // Both arms on each of the five seeds.
  await expect(page.locator('li.run')).toHaveCount(10);
  await expect(page.getByText('Unverified link')).toHaveCount(0);
  await expect(page.getByRole('figure', { name: 'Distinct correct against pass@1', exact: true })).toHaveAttribute('data-series', '10');
  await expect(page.getByRole('figure', { name: 'pass@k against k', exact: true })).toHaveAttribute('data-points', '7');
  // Charts redraw at most once a second each: wait until every one shows all ten runs before the picture.
  for (const name of ['Distinct correct solutions', 'Token entropy (nats)', 'Reward (mean)']) await expect(page.getByRole('figure', { name, exact: true })).toHaveAttribute('data-series', '10');
  await page.setViewportSize({ width: 1400, height: 1400 });
  const shot = testInfo.outputPath('lab-comparison.png');
  await page.screenshot({ path: shot, fullPage: true });
  await testInfo.attach('the lab on the rover-diversity experiment', { path: shot, contentType: 'image/png' });
  // UPDATE_DOCS=1 npx playwright test -g "finished experiments" refreshes the README's picture from this view.
  if (process.env.UPDATE_DOCS === '1') copyFileSync(shot, 'docs/lab-comparison.png');
});

