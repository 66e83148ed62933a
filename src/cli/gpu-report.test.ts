import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { swiftShaderIcd } from '../gpu/node-env.js';

describe('npm run gpu:report', () => {
  it('refuses a software adapter with a clear message and a non-zero exit', () => {
    const icd = swiftShaderIcd();
    expect(icd, 'SwiftShader (Chromium) is needed to offer a CPU adapter').toBeDefined();
    const out = mkdtempSync(join(tmpdir(), 'gpu-report-test-'));
    try {
      // Dawn is pointed at SwiftShader alone, so the adapter is a CPU one even on a machine with a GPU.
      const r = spawnSync(process.execPath, ['src/cli/launch.js', 'src/cli/gpu-report.ts', '--out', out, '--minutes', '0.05'], {
        encoding: 'utf8',
        env: { ...process.env, VK_ICD_FILENAMES: icd, VK_DRIVER_FILES: icd },
        timeout: 60_000,
      });
      expect(r.status).toBe(3);
      expect(r.stderr).toMatch(/refusing to run: the adapter is .*swiftshader.*a software \(CPU\) adapter, not a hardware GPU/i);
      expect(r.stderr).toMatch(/Vulkan loader: /);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
