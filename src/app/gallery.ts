// The gallery of finished experiments the lab opens on: public/gallery.json,
// written by `npm run gallery` from the folders `npm run compare --
// --experiment NAME` leaves. Each entry is an ordinary results link (every arm
// on as many of the first seeds as a link holds) with what the experiment
// measured over all its seeds.

import type { MetricsRow } from '../rl/types';
import type { RunConfig } from '../rl/config';
import { resultsHash } from './share';

export interface GalleryClaim {
  claim: string;
  /** Reproduced at the experiment's seed count; null when not measured. */
  holds: boolean | null;
}

export interface GalleryEntry {
  experiment: string;
  title: string;
  /** The seeds the verdicts come from; the link holds the runs of the first ones. */
  seeds: number[];
  claims: GalleryClaim[];
  /** `#results=…&check=…`: opens the runs in the lab, no GPU needed. */
  hash: string;
}

export interface Gallery {
  entries: GalleryEntry[];
}

/** Where the lab finds the gallery, relative to the page. */
export const GALLERY_PATH = 'gallery.json';

export interface GalleryArmRun {
  arm: string;
  config: RunConfig;
  rows: MetricsRow[];
}

/** One gallery entry: the given runs (arms × seeds) as one results link. */
export async function galleryEntry(experiment: string, title: string, seeds: number[], claims: GalleryClaim[], runs: readonly GalleryArmRun[]): Promise<GalleryEntry> {
  const hash = await resultsHash(runs.map((r) => ({ name: `${experiment}: ${r.arm} (seed ${r.config.seed})`, config: r.config, rows: r.rows })));
  return { experiment, title, seeds, claims, hash };
}

/** Reads gallery.json as served; anything unexpected gives no entries rather than a broken first page. */
export function readGallery(raw: unknown): GalleryEntry[] {
  if (typeof raw !== 'object' || raw === null || !Array.isArray((raw as Gallery).entries)) return [];
  return (raw as Gallery).entries.filter(
    (e) => typeof e?.experiment === 'string' && typeof e.title === 'string' && typeof e.hash === 'string' && e.hash.startsWith('#results=') && Array.isArray(e.seeds) && Array.isArray(e.claims),
  );
}
