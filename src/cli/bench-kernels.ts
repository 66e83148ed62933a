// npm run bench:kernels [-- --quick] [--shapes 512x512x512,…] [--json FILE] [--no-docs]
//
// Times our matmul against tfjs-webgpu's tf.matMul in headless Chromium (the
// browser is where the lab runs, so that is where the comparison counts): a
// Vite dev server serves src/bench/kernels.html, Playwright drives the system
// Chromium, and the table goes to stdout and its section of docs/benchmarks.md.

import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { createServer } from 'vite';
import { chromiumLaunchOptions } from '../../e2e/browser';
import { replaceDocSection } from '../bench/doc-section';
import type { BenchOptions, BenchRow, BenchShape } from '../bench/kernels-page';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DEFAULT_SHAPES = '2048x128x384,2048x128x128,512x512x512';

interface Args {
  shapes: BenchShape[];
  json: string | null;
  writeDocs: boolean;
  options: BenchOptions;
}

function parseShapes(text: string): BenchShape[] {
  return text.split(',').map((s) => {
    const dims = s.trim().split('x').map(Number);
    if (dims.length !== 3 || dims.some((d) => !Number.isInteger(d) || d <= 0)) throw new Error(`--shapes: "${s}" is not MxKxN, e.g. 512x512x512`);
    return { M: dims[0], K: dims[1], N: dims[2] };
  });
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    shapes: parseShapes(DEFAULT_SHAPES),
    json: null,
    writeDocs: true,
    options: { warmup: 2, minIters: 5, minMs: 2000, extraLayouts: ['nt', 'tn'] },
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') continue;
    else if (arg === '--shapes') args.shapes = parseShapes(argv[++i] ?? '');
    else if (arg === '--json') args.json = argv[++i] ?? null;
    else if (arg === '--no-docs') args.writeDocs = false;
    else if (arg === '--quick') args.options = { warmup: 1, minIters: 3, minMs: 0, extraLayouts: [] };
    else throw new Error(`Unknown argument ${arg}. Usage: bench:kernels [--quick] [--shapes MxKxN,…] [--json FILE] [--no-docs]`);
  }
  if (args.json === null && argv.includes('--json')) throw new Error('--json needs a file name');
  return args;
}

const fmt = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(2));

function table(rows: BenchRow[]): string {
  const lines = [
    '| M×K·K×N | ours nn GFLOP/s | tfjs-webgpu GFLOP/s | ours / tfjs | ours nt | ours tn |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const [M, K, N] = r.shape.split('x');
    lines.push(`| ${M}×${K}·${K}×${N} | ${fmt(r.oursGflops)} | ${fmt(r.peerGflops)} | ${r.ratio.toFixed(2)}× | ${fmt(r.layouts.nt)} | ${fmt(r.layouts.tn)} |`);
  }
  return lines.join('\n');
}

function markdown(rows: BenchRow[], options: BenchOptions, loadBefore: number): string {
  const adapter = rows[0]?.adapter ?? 'unknown adapter';
  return `## Matmul: ours against tfjs-webgpu

\`npm run bench:kernels\` on ${new Date().toISOString().slice(0, 10)}, headless Chromium, adapter: **${adapter}**; ${availableParallelism()} CPU cores, load average
${loadBefore.toFixed(1)} when the run began.

${table(rows)}

GFLOP/s counts 2·M·K·N floating-point operations per product. Both sides run
in the same page on the same adapter; each run is one product followed by
reading C back (which waits for the GPU). The contenders take turns run by run
(${options.warmup} warm-up round${options.warmup === 1 ? '' : 's'}, then at least ${options.minIters} rounds${options.minMs > 0 ? ` and ${options.minMs / 1000} s` : ''}), and each figure is
the median of its runs. The comparison is our 'nn' layout (C = A·B, what
tf.matMul computes); 'nt' (forward y = x·Wᵀ) and 'tn' (weight gradient) are
our other layouts on the same shapes. The 512×512·512×512 row is the 512³
case. On a CPU adapter such as SwiftShader the numbers move with whatever else
the machine is running; the ratio, measured under the same conditions for
both sides, is the steadier figure.
`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const loadBefore = loadavg()[0];
  const server = await createServer({
    root: ROOT,
    configFile: join(ROOT, 'vite.config.ts'),
    logLevel: 'warn',
    // No watcher and no HMR: edits elsewhere in the checkout must not reload the page mid-run.
    server: { host: '127.0.0.1', port: 0, strictPort: false, open: false, hmr: false, ws: false, watch: null },
    // Pre-bundle tfjs up front (a discovery mid-run would reload the page),
    // in a cache of its own so a dev server running beside us is undisturbed.
    cacheDir: join(ROOT, 'node_modules/.vite-bench'),
    optimizeDeps: { entries: ['src/bench/kernels.html'], include: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu'] },
  });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('The Vite dev server did not report its address');
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    const page = await browser.newPage();
    page.on('console', (msg) => {
      // The Vite client looks for the HMR socket switched off above; that is expected.
      if (msg.type() === 'error' && !/websocket|\[vite\]/i.test(msg.text())) console.error(`[page] ${msg.text()}`);
    });
    page.on('pageerror', (err) => console.error(`[page] ${err.message}`));
    await page.goto(`${url}src/bench/kernels.html`);
    await page.waitForFunction(() => window.benchReady === true, null, { timeout: 120_000 });
    console.error(`timing ${args.shapes.length} shape(s)…`);
    const rows = await page.evaluate(({ shapes, options }) => window.runMatmulBench(shapes, options), { shapes: args.shapes, options: args.options });
    console.log(table(rows));
    if (args.writeDocs) {
      const docs = join(ROOT, 'docs/benchmarks.md');
      writeFileSync(docs, replaceDocSection(readFileSync(docs, 'utf8'), 'bench:kernels', markdown(rows, args.options, loadBefore)));
      console.error('wrote docs/benchmarks.md');
    }
    if (args.json) {
      const plain = rows.map(({ shape, oursGflops, peerGflops, ratio, adapter }) => ({ shape, oursGflops, peerGflops, ratio, adapter }));
      writeFileSync(args.json, `${JSON.stringify(plain, null, 2)}\n`);
      console.error(`wrote ${args.json}`);
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
