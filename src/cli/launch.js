#!/usr/bin/env node
// Runs a TypeScript entry point (src/cli/*.ts) under vite-node, so it loads
// WGSL exactly as the browser build does, with the GPU environment applied
// before the process starts.  Usage: node src/cli/launch.js src/cli/train.ts [args…]
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { applyNodeGpuEnv } from '../gpu/node-env.js';

const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error('usage: node src/cli/launch.js <entry.ts> [args…]');
  process.exit(2);
}
const env = { ...process.env };
applyNodeGpuEnv(env);
const require = createRequire(import.meta.url);
const viteNode = join(dirname(require.resolve('vite-node/package.json')), 'dist/cli.mjs');
const child = spawn(process.execPath, [viteNode, script, '--', ...args], { stdio: 'inherit', env });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
