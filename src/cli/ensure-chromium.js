#!/usr/bin/env node
// Runs before `npm test`: the browser tests and the Node GPU tests need
// Chromium (its SwiftShader is the WebGPU adapter on machines without a GPU).
// Installs Debian's package when possible, otherwise says what to do.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const paths = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
if (paths.some((p) => p && existsSync(p))) process.exit(0);

const isRoot = process.getuid?.() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
if (isRoot && hasApt) {
  console.log('Chromium not found: installing Debian\'s chromium package (for its WebGPU/SwiftShader adapter)…');
  execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium', { stdio: 'inherit' });
  process.exit(0);
}
console.error('The tests need Chromium. Install it (Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM_PATH to a Chrome/Chromium binary.');
process.exit(1);
