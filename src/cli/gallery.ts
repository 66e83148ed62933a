// npm run gallery [-- --from runs] [--keep]
// Writes public/gallery.json from the folders of the shipped experiments
// (runs/<experiment>/, as `npm run compare -- --experiment NAME` leaves
// them): per experiment, the runs of as many of its seeds as one link holds
// (the first seeds, every arm), as a results link, and each claim's verdict
// over all its seeds from summary.json. With --keep, an experiment without a
// folder keeps its entry from the current public/gallery.json.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type GalleryEntry, GALLERY_PATH, galleryEntry, readGallery } from '../app/gallery';
import { MAX_SHARED_RUNS } from '../app/share';
import { EXPERIMENTS } from '../rl/experiments';
import { summaryProblems, type Summary } from './experiment-report';
import { readRunDir, readRunRows } from './run-files';

const argv = process.argv.slice(2);
const fromAt = argv.indexOf('--from');
const from = fromAt >= 0 ? argv[fromAt + 1] : 'runs';
const keep = argv.includes('--keep');
if (!from || argv.includes('--help')) {
  console.log('Usage: npm run gallery [-- --from DIR] [--keep]\n\nReads DIR/<experiment>/ for each shipped experiment (default DIR: runs) and writes public/gallery.json.\n--keep: an experiment without a folder keeps its current entry.');
  process.exit(from ? 0 : 2);
}

try {
  const out = join('public', GALLERY_PATH);
  const current = keep && existsSync(out) ? readGallery(JSON.parse(await readFile(out, 'utf8'))) : [];
  const entries: GalleryEntry[] = [];
  for (const spec of EXPERIMENTS) {
    const dir = join(from, spec.name);
    const summaryPath = join(dir, 'summary.json');
    if (!existsSync(summaryPath)) {
      const kept = current.find((e) => e.experiment === spec.name);
      if (kept) entries.push(kept);
      console.error(`gallery: ${kept ? 'keeping the current entry of' : 'skipping'} ${spec.name}: no ${summaryPath} (run npm run compare -- --experiment ${spec.name} --out ${dir})`);
      continue;
    }
    const summary = JSON.parse(await readFile(summaryPath, 'utf8')) as Summary;
    const problems = summaryProblems(summary);
    if (problems.length > 0) throw new Error(`${summaryPath}: ${problems.join('; ')}`);
    const trained = spec.arms.filter((a) => a.train !== null);
    const shown = summary.seeds.slice(0, Math.max(1, Math.floor(MAX_SHARED_RUNS / trained.length)));
    const runs = [];
    for (const seed of shown) for (const arm of trained) {
      const runDir = join(dir, `${arm.name}-s${seed}`);
      const { config } = await readRunDir(runDir);
      runs.push({ arm: arm.name, config, rows: await readRunRows(runDir) });
    }
    const claims = summary.effects.map((e) => ({ claim: e.claim, holds: e.holds }));
    entries.push(await galleryEntry(spec.name, spec.title, summary.seeds, claims, runs));
    console.log(`${spec.name}: ${claims.filter((c) => c.holds).length} of ${claims.length} claims reproduced over seeds ${summary.seeds.join(', ')}; the link holds seeds ${shown.join(', ')}`);
  }
  await writeFile(out, `${JSON.stringify({ entries }, null, 1)}\n`);
  console.log(`wrote ${out} (${entries.length} experiments)`);
  process.exit(0);
} catch (e) {
  console.error(`gallery: ${(e as Error).message}`);
  process.exit(1);
}
