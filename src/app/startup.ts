// What happens once per page: open storage, bring back saved runs, then add
// the runs of a shared link (if any) beside them. A bad link is reported and
// changes nothing the user already had. From then on the address bar follows
// the launcher's settings, so a reload or a copied address keeps them.

import { createGpuContext } from '../gpu/context';
import { isLessonHash } from './lessons/lesson-link';
import { Runner } from './runner';
import { parseShareHash, settingsHash } from './share';
import { useLab } from './store';

let probe: Promise<void> | null = null;

/** Asks for a WebGPU adapter once per page; later calls wait for the same answer. */
export function probeGpu(): Promise<void> {
  probe ??= findGpu();
  return probe;
}

async function findGpu() {
  const lab = useLab.getState();
  try {
    const ctx = await createGpuContext(navigator.gpu);
    lab.setGpu({ status: 'ready', name: ctx.adapter.name, software: ctx.adapter.isSoftware });
    ctx.destroy();
  } catch (e) {
    lab.setGpu({ status: 'unavailable', message: (e as Error).message });
  }
}

const UNVERIFIED_LINES = [
  'This link carries no integrity check: it was made before links had one, or edited by hand, so nothing shows that it arrived unaltered.',
  'Its runs were loaded; compare their settings with what the sender meant.',
];

/** What the runs of a link can do here, said only once the adapter question is answered. */
async function openedText(kind: 'config' | 'results', count: number): Promise<string> {
  if (kind === 'results') return `Showing the recorded curves of ${count} shared run(s). “Re-run” trains one again here.`;
  await probeGpu();
  const trainable = useLab.getState().gpu.status !== 'unavailable';
  return `Added ${count} run(s) from the link with their settings and seeds; ${trainable ? 'press play to train.' : 'training them needs WebGPU, which this browser lacks, but their settings can be inspected and shared.'}`;
}

/** Adds the runs a link carries (or fills the launcher with its settings); the hash is then replaced by the launcher's, so a reload does not add them twice. */
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
  if (link.kind === 'refused') {
    lab.addBanner({ tone: 'error', title: 'This link fails its integrity check', lines: [...link.issues, 'Ask for the link again, or copy all of it.'] });
    return;
  }
  if (link.kind === 'settings') {
    // Going back from the lessons returns to the lab's own address: nothing new to say.
    if (link.issues.length === 0 && settingsHash(link.runs[0].config) === settingsHash(lab.draft)) return syncAddress();
    lab.loadDraft(link.runs[0].config);
    syncAddress();
    const lines = link.issues.length > 0 ? link.issues : ['Check them in the launcher, then launch.'];
    lab.addBanner({ tone: link.issues.length > 0 ? 'warning' : 'info', title: link.issues.length > 0 ? 'The launcher took the settings of this link, except these' : 'The launcher took the settings of this link', lines });
    return;
  }
  if (link.unverified && link.runs.length > 0) lab.addBanner({ tone: 'warning', title: 'Unverified link', lines: UNVERIFIED_LINES });
  if (link.issues.length > 0) {
    const damaged = link.runs.length === 0;
    lab.addBanner({ tone: damaged ? 'error' : 'warning', title: damaged ? 'This link is malformed' : 'Some settings in this link were not usable', lines: link.issues });
  }
  for (const r of link.runs) await runner.create({ config: r.config, name: r.name, rows: r.rows, origin: 'link' });
  if (link.runs.length > 0) lab.addBanner({ tone: 'info', title: 'Opened a shared link', lines: [await openedText(link.kind, link.runs.length)] });
}

/** Writes the launcher's settings into the address bar without a reload or a history entry (and never over a lesson's address). */
function syncAddress() {
  if (isLessonHash(location.hash)) return;
  const hash = settingsHash(useLab.getState().draft);
  if (hash !== location.hash) history.replaceState(null, '', location.pathname + location.search + hash);
}

let started: Promise<Runner> | null = null;

/** Idempotent: React may mount the app twice in development. */
export function startLab(): Promise<Runner> {
  started ??= (async () => {
    void probeGpu();
    // Read before anything else can touch the address bar.
    const initialHash = location.hash;
    const ready = (async () => {
      const runner = await Runner.open();
      try {
        await runner.restore();
      } catch (e) {
        useLab.getState().addBanner({ tone: 'error', title: 'Saved runs could not be restored', lines: [(e as Error).message] });
      }
      return runner;
    })();
    // Links are opened one after another, in the order they arrive, each once the runner is ready.
    let queue: Promise<void> = Promise.resolve();
    const open = (hash: string) =>
      (queue = queue.then(async () => {
        await openSharedLink(await ready, hash);
        syncAddress();
      }));
    window.addEventListener('hashchange', () => void open(location.hash));
    useLab.subscribe((s, before) => s.draft !== before.draft && syncAddress());
    await open(initialHash);
    return ready;
  })();
  return started;
}
