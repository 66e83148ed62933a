// A long-lived child process spoken to in JSON lines: one request, one reply,
// in order. Lines on its stdout that are not JSON objects (a library's log)
// go to our stderr with the process's name.

import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export class LineProcess {
  private readonly child: ChildProcess;
  private readonly waiting: { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }[] = [];
  private exited: string | null = null;

  constructor(
    readonly name: string,
    command: string,
    args: readonly string[],
    options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
  ) {
    this.child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = createInterface({ input: this.child.stdout! });
    out.on('line', (line) => {
      const t = line.trim();
      if (!t.startsWith('{')) {
        if (t) console.error(`[${name}] ${t}`);
        return;
      }
      const next = this.waiting.shift();
      if (!next) return;
      try {
        const reply = JSON.parse(t) as Record<string, unknown>;
        if (typeof reply.error === 'string') next.reject(new Error(`${name}: ${reply.error}`));
        else next.resolve(reply);
      } catch {
        next.reject(new Error(`${name} replied with a line that is not JSON: ${t.slice(0, 200)}`));
      }
    });
    const err = createInterface({ input: this.child.stderr! });
    const tail: string[] = [];
    err.on('line', (line) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      if (process.env.BENCH_VERBOSE) console.error(`[${name}] ${line}`);
    });
    this.child.on('error', (e) => this.fail(`${name} could not start: ${e.message}`));
    this.child.on('exit', (code, signal) => this.fail(`${name} exited (${signal ?? `code ${code}`})${tail.length ? `:\n  ${tail.join('\n  ')}` : ''}`));
  }

  request(message: object): Promise<Record<string, unknown>> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin!.write(`${JSON.stringify(message)}\n`);
    });
  }

  /** Asks the process to quit and waits for it (killing it after `graceMs`). */
  async close(graceMs = 10_000): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin!.write(`${JSON.stringify({ cmd: 'quit' })}\n`);
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await done;
    clearTimeout(timer);
  }

  private fail(message: string): void {
    this.exited ??= message;
    for (const w of this.waiting.splice(0)) w.reject(new Error(message));
  }
}
