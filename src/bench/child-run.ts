// Runs one part of a report as a child process under a time limit, its output
// both shown (prefixed) and kept in a log file.

import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface ChildResult {
  code: number | null;
  timedOut: boolean;
  seconds: number;
}

export function runChild(label: string, command: string, args: readonly string[], limitMs: number, logFile: string, cwd?: string): Promise<ChildResult> {
  const started = performance.now();
  const log = createWriteStream(logFile);
  // A process group of its own, so a timeout ends the child and everything it started.
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const relay = (chunk: Buffer) => {
    log.write(chunk);
    for (const line of chunk.toString().split('\n')) if (line.trim()) process.stderr.write(`[${label}] ${line}\n`);
  };
  child.stdout.on('data', relay);
  child.stderr.on('data', relay);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }, limitMs);
  return new Promise((resolve) => {
    const finish = (code: number | null) => {
      clearTimeout(timer);
      log.end();
      resolve({ code, timedOut, seconds: (performance.now() - started) / 1000 });
    };
    child.on('error', (e) => {
      log.write(`could not start ${command}: ${e.message}\n`);
      finish(null);
    });
    child.on('exit', (code) => finish(code));
  });
}
