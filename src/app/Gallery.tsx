// The first page's gallery: finished experiments as ordinary results links.
// They open at once, with no GPU, and can be copied like any other link.

import { useEffect, useState } from 'react';
import { GALLERY_PATH, type GalleryEntry, readGallery } from './gallery';

export function Gallery() {
  const [entries, setEntries] = useState<GalleryEntry[] | null>(null);
  useEffect(() => {
    let live = true;
    fetch(new URL(GALLERY_PATH, document.baseURI).href)
      .then((r) => (r.ok ? r.json() : null))
      .then((raw) => live && setEntries(readGallery(raw)))
      .catch(() => live && setEntries([]));
    return () => {
      live = false;
    };
  }, []);
  if (!entries || entries.length === 0) return null;
  return (
    <section className="gallery" aria-label="Finished experiments">
      <h3>Finished experiments</h3>
      <p className="hint">Each opens every arm on the experiment’s first seeds as a results link; the verdicts are over all its seeds (docs/results.md).</p>
      <ul>
        {entries.map((e) => {
          const held = e.claims.filter((c) => c.holds).length;
          return (
            <li key={e.experiment}>
              <a href={e.hash}>{e.experiment}</a> — {e.title}.{' '}
              <span className="gallery-verdict" title={e.claims.map((c) => `${c.holds ? '✓' : '✗'} ${c.claim}`).join('\n')}>
                {held} of {e.claims.length} claims reproduced over {e.seeds.length} seeds
              </span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
