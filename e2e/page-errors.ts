// Collects what a page must never produce in these tests: uncaught errors and
// console errors.
import type { Page } from '@playwright/test';

/** The favicon is answered here, so that the tests using this speak only of what they test. */
export async function collectErrors(page: Page): Promise<string[]> {
  await page.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console error: ${m.text()} (${m.location().url})`);
  });
  return errors;
}
