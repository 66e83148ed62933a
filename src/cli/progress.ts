// A one-line progress bar for long Node runs. On a terminal it redraws in
// place; in a log (CI, a pipe) it prints a plain line every `logEvery` ticks.

export interface ProgressBar {
  tick(done: number, info?: string): void;
  done(info?: string): void;
}

export function progressBar(label: string, total: number, { width = 28, logEvery = Math.max(1, Math.round(total / 10)) } = {}): ProgressBar {
  const tty = process.stderr.isTTY === true;
  const start = Date.now();
  let last = -1;
  const line = (done: number, info: string): string => {
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(frac * width);
    const secs = (Date.now() - start) / 1000;
    const eta = done > 0 ? (secs / done) * (total - done) : 0;
    return `${label} [${'█'.repeat(filled)}${'·'.repeat(width - filled)}] ${done}/${total} ${secs.toFixed(0)}s${done < total ? ` eta ${eta.toFixed(0)}s` : ''}${info ? `  ${info}` : ''}`;
  };
  return {
    tick(done, info = '') {
      if (tty) process.stderr.write(`\r\x1b[2K${line(done, info)}`);
      else if (done === total || Math.floor(done / logEvery) !== Math.floor(last / logEvery)) process.stderr.write(`${line(done, info)}\n`);
      last = done;
    },
    done(info = '') {
      if (tty) process.stderr.write(`\r\x1b[2K${line(total, info)}\n`);
      else if (last !== total) process.stderr.write(`${line(total, info)}\n`);
    },
  };
}
