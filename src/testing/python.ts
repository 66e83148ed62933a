// The machine's python3, for tests that hold Python files (the exported reward
// functions, the zip reader) to the TypeScript they mirror. A missing python3
// fails the test with a message that says how to get one, never a skip.

import { spawnSync } from 'node:child_process';

export interface PythonResult {
  stdout: string;
  stderr: string;
  status: number | null;
}

export function python3Missing(): string | null {
  const probe = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return `python3 is needed by this test but is not on PATH (${probe.error?.message ?? probe.stderr.trim()}); install it (Debian: apt-get install python3)`;
  }
  return null;
}

/** Runs python3 with args, feeding input on stdin; throws with a clear message when python3 is missing. */
export function runPython(args: readonly string[], input = '', cwd?: string): PythonResult {
  const missing = python3Missing();
  if (missing !== null) throw new Error(missing);
  const r = spawnSync('python3', args, { input, encoding: 'utf8', cwd, maxBuffer: 256 * 1024 * 1024 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}
