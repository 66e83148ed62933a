// The PyTorch side of npm run bench:step: finding a Python with torch (and a
// real BLAS under it), starting step_peer.py, and checking once that its
// forward pass is ours (the same logits as the plain TypeScript reference).

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Checkpoint } from '../model/checkpoint';
import { referenceForward } from '../model/reference';
import type { RunConfig } from '../rl/config';
import { BOS, EOS, PAD } from '../tasks/tokenizer';
import { LineProcess } from './json-lines';

const PEER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'step_peer.py');
/** Debian's reference BLAS: correct but unblocked, many times slower than OpenBLAS. */
const REFERENCE_BLAS = /\/blas\/libblas\.so/;
const BLAS_PROBE = `import torch, re
torch.ones(64, 64) @ torch.ones(64, 64)
libs = [l.split()[-1] for l in open('/proc/self/maps') if re.search(r'blas|mkl', l.split()[-1] if l.split() else '')]
print(sorted(set(libs))[0] if libs else 'torch built-in')`;

export interface TorchPython {
  python: string;
  torch: string;
  blas: string;
}

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 });
const canInstall = () => process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/etc/debian_version');

function aptInstall(pkg: string): boolean {
  console.error(`bench: installing Debian's ${pkg} (apt-get install -y ${pkg})…`);
  return spawnSync('apt-get', ['install', '-y', '-q', pkg], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
}

function probe(python: string): TorchPython | null {
  const v = run(python, ['-c', 'import torch, numpy; print(torch.__version__)']);
  if (v.status !== 0) return null;
  const blas = run(python, ['-c', BLAS_PROBE]);
  return { python, torch: v.stdout.trim(), blas: blas.status === 0 ? blas.stdout.trim() : 'unknown' };
}

/**
 * A Python that imports torch: $BENCH_PYTHON, python3, /usr/bin/python3; as
 * root on Debian, Debian's python3-torch is installed when none has torch, and
 * OpenBLAS when torch runs on the reference BLAS. Null, with the reason, when
 * torch cannot be had.
 */
export function findTorchPython(allowInstall: boolean): TorchPython | { missing: string } {
  const candidates = [process.env.BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  let found = candidates.map(probe).find((p) => p !== null) ?? null;
  if (!found && allowInstall && canInstall() && aptInstall('python3-torch')) found = probe('/usr/bin/python3');
  if (!found) return { missing: `no Python with torch (tried ${candidates.join(', ')}${canInstall() ? '' : '; not root on Debian, so python3-torch was not installed'})` };
  if (REFERENCE_BLAS.test(found.blas) && allowInstall && canInstall() && aptInstall('libopenblas0-pthread')) found = probe(found.python) ?? found;
  return found;
}

export function isReferenceBlas(blas: string): boolean {
  return REFERENCE_BLAS.test(blas);
}

export interface PeerSettings {
  checkpoint: string;
  config: RunConfig;
  maxNewTokens: number;
}

export async function startPeer(py: TorchPython, s: PeerSettings): Promise<LineProcess> {
  const peer = new LineProcess('pytorch', py.python, [PEER_SCRIPT], { env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  const c = s.config;
  await peer.request({
    cmd: 'init', checkpoint: s.checkpoint, seed: c.seed, group: c.group, pad: PAD, bos: BOS, eos: EOS, maxNewTokens: s.maxNewTokens,
    temperature: c.temperature, lr: c.lr, weightDecay: c.weightDecay, minibatches: c.minibatches, epsLow: c.epsLow, epsHigh: c.epsHigh, beta: c.beta, maxGradNorm: c.maxGradNorm,
  });
  return peer;
}

export interface PeerCheck {
  maxAbsDiff: number;
  maxAbsLogit: number;
  values: number;
  ok: boolean;
}

/** Our reference forward and the peer's on the same rows (prompts followed by completion-like tokens), before any update. */
export async function checkPeerForward(peer: LineProcess, base: Checkpoint, prompts: readonly (readonly number[])[]): Promise<PeerCheck> {
  const { vocabSize: V, contextLength } = base.meta.config;
  const T = Math.min(contextLength, Math.max(...prompts.map((p) => p.length)) + 4);
  const rows = prompts.map((p, r) => Array.from({ length: T }, (_, t) => (t < p.length ? p[t] : 3 + ((r * 7 + t * 5) % (V - 3)))));
  const ours = referenceForward(base.layout, base.params, rows.flat(), rows.length, T).logits;
  const reply = await peer.request({ cmd: 'logits', tokens: rows });
  const theirs = reply.logits as number[];
  if (theirs.length !== ours.length) throw new Error(`peer check: the peer returned ${theirs.length} logits, ours ${ours.length}`);
  let maxAbsDiff = 0, maxAbsLogit = 0, values = 0;
  for (let i = 0; i < ours.length; i++) {
    // PAD and BOS carry the policy's −1e30 exclusion bias in our logits; the peer excludes them when it samples.
    if (i % V === PAD || i % V === BOS) continue;
    values++;
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(ours[i] - theirs[i]));
    maxAbsLogit = Math.max(maxAbsLogit, Math.abs(ours[i]));
  }
  return { maxAbsDiff, maxAbsLogit, values, ok: maxAbsDiff <= 1e-4 * (1 + maxAbsLogit) };
}
