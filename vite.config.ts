/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { existsSync, realpathSync } from 'node:fs';
import { defineConfig, searchForWorkspaceRoot } from 'vite';
import { applyNodeGpuEnv } from './src/gpu/node-env.js';

// Test workers are forked from this process: give them a Vulkan loader and a
// WebGPU adapter (SwiftShader) when the machine has no GPU driver of its own.
if (process.env.VITEST) applyNodeGpuEnv(process.env);

export default defineConfig({
  base: './',
  plugins: [react()],
  worker: { format: 'es' },
  server: {
    // npm run test:export's Python environment: thousands of files nobody serves.
    watch: { ignored: ['**/.venv-export/**'] },
    // A checkout whose node_modules links elsewhere must still serve files from
    // it that CSS refers to (KaTeX's fonts); the dev server refuses them otherwise.
    fs: { allow: [searchForWorkspaceRoot(process.cwd()), ...(existsSync('node_modules') ? [realpathSync('node_modules')] : [])] },
  },
  test: {
    include: ['src/**/*.test.ts'],
    pool: 'forks',
    // One GPU process at a time keeps SwiftShader from fighting itself for 2 cores.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default', './src/testing/summary-reporter.ts'],
  },
});
