// Environment for running WebGPU (Dawn, the `webgpu` package) in Node on a
// machine that may have no GPU driver. Plain JavaScript on purpose: the CLI
// launcher must apply it before any TypeScript tooling starts, because the
// Vulkan loader is found through LD_LIBRARY_PATH, which is read only when a
// process starts.
import { existsSync, readdirSync } from 'node:fs';

const CHROMIUM_DIRS = ['/usr/lib/chromium', '/usr/lib/chromium-browser', '/usr/lib64/chromium-browser'];
const LOADER_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu'];
const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/local/nvidia/share/vulkan/icd.d'];

function chromiumDir() {
  return CHROMIUM_DIRS.find((d) => existsSync(`${d}/vk_swiftshader_icd.json`));
}

function hasSystemLoader() {
  return LOADER_DIRS.some((d) => existsSync(`${d}/libvulkan.so.1`));
}

/** Vulkan drivers that Dawn accepts (Mesa's lavapipe is rejected by Dawn). */
function usableSystemIcds() {
  const found = [];
  for (const dir of ICD_DIRS) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (f.endsWith('.json') && !f.startsWith('lvp')) found.push(`${dir}/${f}`);
  }
  return found;
}

/** The path of SwiftShader's Vulkan ICD shipped with Chromium, if installed. */
export function swiftShaderIcd() {
  const dir = chromiumDir();
  return dir ? `${dir}/vk_swiftshader_icd.json` : undefined;
}

/**
 * Adds to `env` what Dawn needs to find an adapter: Chromium's Vulkan loader
 * when the system has none, and SwiftShader as the driver when no usable
 * hardware driver is installed. Settings the user made are kept.
 * Returns a list of what was changed, for diagnostics.
 */
export function applyNodeGpuEnv(env) {
  if (process.platform !== 'linux') return [];
  const changes = [];
  const dir = chromiumDir();
  if (!dir) return changes;
  if (!hasSystemLoader()) {
    const cur = env.LD_LIBRARY_PATH ?? '';
    if (!cur.split(':').includes(dir)) {
      env.LD_LIBRARY_PATH = cur ? `${cur}:${dir}` : dir;
      changes.push(`LD_LIBRARY_PATH+=${dir}`);
    }
  }
  if (!env.VK_ICD_FILENAMES && !env.VK_DRIVER_FILES && usableSystemIcds().length === 0) {
    env.VK_ICD_FILENAMES = `${dir}/vk_swiftshader_icd.json`;
    changes.push(`VK_ICD_FILENAMES=${env.VK_ICD_FILENAMES}`);
  }
  return changes;
}

/**
 * What Dawn will load, for reports: the Vulkan loader (the system's, or
 * Chromium's through LD_LIBRARY_PATH) and the driver manifests it will read.
 */
export function describeVulkan(env) {
  const inPath = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  const dirs = [...inPath, ...LOADER_DIRS];
  const loaderDir = dirs.find((d) => existsSync(`${d}/libvulkan.so.1`));
  const chosen = env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES;
  return {
    loader: loaderDir ? `${loaderDir}/libvulkan.so.1` : null,
    drivers: chosen ? chosen.split(':') : usableSystemIcds(),
    driversFrom: env.VK_DRIVER_FILES ? 'VK_DRIVER_FILES' : env.VK_ICD_FILENAMES ? 'VK_ICD_FILENAMES' : 'system manifests',
  };
}
