// The system Chromium with WebGPU on (SwiftShader when there is no GPU).
// Never a downloaded browser: this project runs where only package registries are reachable.
import { existsSync } from 'node:fs';
import type { LaunchOptions } from '@playwright/test';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function chromiumPath(): string {
  const found = CANDIDATES.find((p): p is string => !!p && existsSync(p));
  if (!found) throw new Error('No Chromium found. Install it (Debian: apt-get install chromium) or set CHROMIUM_PATH.');
  return found;
}

export function chromiumLaunchOptions(extraArgs: string[] = []): LaunchOptions {
  const args = [
    '--enable-unsafe-webgpu',
    '--enable-features=Vulkan',
    '--use-angle=swiftshader',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
    ...extraArgs,
  ];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return { executablePath: chromiumPath(), args, headless: true };
}
