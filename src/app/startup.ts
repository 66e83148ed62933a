// What happens once per page: open storage, bring back saved runs, then add
// the runs of a shared link (if any) beside them. A bad link is reported and
// changes nothing the user already had.

import { createGpuContext } from '../gpu/context';
import { Runner } from './runner';
import { parseShareHash } from './share';
import { useLab } from './store';

export async function probeGpu() {
  const lab = useLab.getState();
  try {
    const ctx = await createGpuContext(navigator.gpu);
    lab.setGpu({ status: 'ready', name: ctx.adapter.name, software: ctx.adapter.isSoftware });
    ctx.destroy();
  } catch (e) {
    lab.setGpu({ status: 'unavailable', message: (e as Error).message });
  }
}

/** Adds the runs a link carries; the hash is then cleared so a reload does not add them twice. */
export async function openSharedLink(runner: Runner, hash: string) {
  if (hash.replace(/^#/, '') === '') return;
  const lab = useLab.getState();
  history.replaceState(null, '', location.pathname + location.search);
  let link;
  try {
    link = await parseShareHash(hash);
  } catch (e) {
    lab.addBanner({ tone: 'error', title: 'This link could not be read', lines: [(e as Error).message, 'Nothing was changed.'] });
    return;
  }
  if (link.kind === 'none') {
    lab.addBanner({ tone: 'warning', title: 'This link holds no runs', lines: ['Its address ends in something this lab does not read; nothing was changed.'] });
    return;
  }
  if (link.issues.length > 0) {
    const damaged = link.runs.length === 0;
    lab.addBanner({ tone: damaged ? 'error' : 'warning', title: damaged ? 'This link is malformed' : 'Some settings in this link were not usable', lines: link.issues });
  }
  for (const r of link.runs) await runner.create({ config: r.config, name: r.name, rows: r.rows, origin: 'link' });
  if (link.runs.length > 0) {
    const text = link.kind === 'results' ? `Showing the recorded curves of ${link.runs.length} shared run(s). “Re-run” trains one again here.` : `Added ${link.runs.length} run(s) from the link with their settings and seeds; press play to train.`;
    lab.addBanner({ tone: 'info', title: 'Opened a shared link', lines: [text] });
  }
}

let started: Promise<Runner> | null = null;

/** Idempotent: React may mount the app twice in development. */
export function startLab(): Promise<Runner> {
  started ??= (async () => {
    void probeGpu();
    const runner = await Runner.open();
    try {
      await runner.restore();
    } catch (e) {
      useLab.getState().addBanner({ tone: 'error', title: 'Saved runs could not be restored', lines: [(e as Error).message] });
    }
    await openSharedLink(runner, location.hash);
    window.addEventListener('hashchange', () => void openSharedLink(runner, location.hash));
    return runner;
  })();
  return started;
}
