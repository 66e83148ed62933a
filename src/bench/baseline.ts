// --baseline REF: an older commit checked out beside this one (a temporary git
// worktree sharing our node_modules), with the bench's step worker (or the
// browser bench's page) copied in where that commit lacks it, so its training
// step is timed in the same run.

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** What the step worker needs that an older commit may lack (everything else it imports is the commit's own). */
export const WORKER_FILES = ['src/bench/step-worker.ts', 'src/bench/phase-timer.ts', 'src/gpu/node-wait.ts'];

/** Set to '1' in a worker's environment: it waits on the GPU sleeping (src/gpu/node-wait.ts) whatever its context does. */
export const SLEEPING_WAIT_ENV = 'RLVR_BENCH_SLEEPING_WAIT';
export const WORKER_ENTRY = WORKER_FILES[0];

export interface Baseline {
  ref: string;
  commit: string;
  dir: string;
  /** Files of ours copied in because the commit has none. */
  copied: string[];
  remove(): void;
}

const git = (cwd: string, args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** Checks out `ref` beside `root` and copies in those of `files` (ours) that it lacks. */
export function prepareBaseline(root: string, ref: string, files: readonly string[] = WORKER_FILES): Baseline {
  let commit: string;
  try {
    commit = git(root, ['rev-parse', '--short', `${ref}^{commit}`]);
  } catch {
    throw new Error(`--baseline: "${ref}" is not a commit of this repository`);
  }
  const dir = mkdtempSync(join(tmpdir(), `rlvr-baseline-${commit}-`));
  git(root, ['worktree', 'add', '--detach', dir, commit]);
  const remove = () => {
    try {
      git(root, ['worktree', 'remove', '--force', dir]);
    } catch {
      rmSync(dir, { recursive: true, force: true });
      git(root, ['worktree', 'prune']);
    }
  };
  try {
    symlinkSync(realpathSync(join(root, 'node_modules')), join(dir, 'node_modules'));
    const copied: string[] = [];
    for (const f of files) {
      if (existsSync(join(dir, f))) continue;
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      copyFileSync(join(root, f), join(dir, f));
      copied.push(f);
    }
    return { ref, commit, dir, copied, remove };
  } catch (e) {
    remove();
    throw e;
  }
}
