// The lab served for a browser benchmark: the production build (vite build,
// then vite preview) or the dev server of npm run dev, on a free port,
// without file watching or hot reload; the dev server can also serve one
// benchmark page alone (src/bench/*.html).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { build, createServer, preview } from 'vite';

export const LAB_BUILDS = ['prod', 'dev'] as const;
export type LabBuild = (typeof LAB_BUILDS)[number];

export interface ServeOptions {
  /** false keeps function names readable in a profile (prod). */
  minify?: boolean;
  /** The dev server's dependency cache, in node_modules (a baseline worktree's node_modules is ours, so it names its own). */
  cache?: string;
  /** Serve only this page (a path under root) and what it imports: dependencies are scanned from it alone and nothing is transformed ahead (dev). */
  page?: string;
}

export async function serveLab(root: string, build_: LabBuild, { minify = true, cache = '.vite-bench', page }: ServeOptions = {}): Promise<{ url: string; close: () => Promise<void> }> {
  const configFile = join(root, 'vite.config.ts');
  if (build_ === 'dev') {
    const server = await createServer({
      root,
      configFile,
      logLevel: 'warn',
      // The served tree is allowed explicitly: a config that allows the workspace of the current directory would otherwise refuse an older commit's worktree.
      server: { host: '127.0.0.1', port: 0, open: false, hmr: false, ws: false, watch: null, fs: { allow: [root] }, ...(page ? { preTransformRequests: false } : {}) },
      cacheDir: join(root, 'node_modules', cache),
      ...(page ? { optimizeDeps: { entries: [page] } } : {}),
    });
    await server.listen();
    const url = server.resolvedUrls?.local[0];
    if (!url) throw new Error('The Vite dev server did not report its address');
    return { url, close: () => server.close() };
  }
  const outDir = mkdtempSync(join(tmpdir(), 'rlvr-redraw-'));
  // Under vite-node NODE_ENV reads "development", and vite build would then bundle React's development build.
  process.env.NODE_ENV = 'production';
  await build({ root, configFile, logLevel: 'warn', build: { outDir, emptyOutDir: true, minify } });
  const server = await preview({ root, configFile, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0, open: false } });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report its address');
  return {
    url,
    close: async () => {
      await new Promise<void>((done) => server.httpServer.close(() => done()));
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

/** Chooses a ready-made comparison in the lab's launcher and waits until its launch button is enabled (the GPU is ready); returns the button. */
export async function readyComparison(page: Page, comparisonId: string): Promise<Locator> {
  await page.locator('#experiment').selectOption(comparisonId);
  const launch = page.getByRole('button', { name: /^Launch comparison/ });
  await page.waitForFunction(() => {
    const b = [...document.querySelectorAll('button')].find((x) => x.textContent?.startsWith('Launch comparison'));
    return !!b && !b.disabled;
  }, null, { timeout: 120_000 });
  return launch;
}
