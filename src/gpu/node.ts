// WebGPU in Node through Dawn (the `webgpu` package). Only Node entry points
// (tests, CLI, benchmarks) import this file; the browser uses navigator.gpu.

import { GpuUnavailableError } from './errors';
import { type CreateContextOptions, type GpuContext, createGpuContext } from './context';
import { swiftShaderIcd } from './node-env.js';
import { waitSleeping } from './node-wait';

let cached: Promise<GPU> | null = null;

async function loadNodeGpu(): Promise<GPU> {
  let mod: typeof import('webgpu');
  try {
    mod = await import('webgpu');
  } catch (e) {
    throw new GpuUnavailableError(`The 'webgpu' package could not be loaded (${(e as Error).message}). Run npm install.`);
  }
  Object.assign(globalThis, mod.globals);
  let gpu = mod.create([]);
  if (await gpu.requestAdapter()) return gpu;
  // No usable hardware driver: fall back to Chromium's SwiftShader (a CPU Vulkan).
  const icd = swiftShaderIcd();
  if (icd && !process.env.VK_ICD_FILENAMES) {
    process.env.VK_ICD_FILENAMES = icd;
    gpu = mod.create([]);
    if (await gpu.requestAdapter()) return gpu;
  }
  throw new GpuUnavailableError(
    'No WebGPU adapter found in Node. Install a Vulkan driver, or Chromium (Debian: apt-get install chromium) for its SwiftShader CPU adapter, ' +
      'and run through the npm scripts, which point Dawn at it.',
  );
}

/** The process-wide Dawn GPU object, found once. */
export function nodeGpu(): Promise<GPU> {
  cached ??= loadNodeGpu();
  return cached;
}

/** A context on Dawn's adapter; it waits on the GPU without spinning a core (src/gpu/node-wait.ts). */
export async function createNodeContext(options?: CreateContextOptions): Promise<GpuContext> {
  return createGpuContext(await nodeGpu(), { waitForGpu: waitSleeping, ...options });
}
