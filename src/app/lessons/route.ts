// Which page shows: the lab, or lesson N. Lesson hashes belong to the lessons:
// a listener registered when this module loads (before the lab's own) claims
// them, so the lab never reads `#lesson=…` as a share link. Moving between
// pages inside the app uses pushState, which fires no hashchange at all.

import { useSyncExternalStore } from 'react';
import { isLessonHash } from './lesson-link';

export type Route = { page: 'lab' } | { page: 'lesson'; hash: string };

const listeners = new Set<() => void>();
let current: Route = readRoute();

function readRoute(): Route {
  if (typeof location === 'undefined') return { page: 'lab' };
  return isLessonHash(location.hash) ? { page: 'lesson', hash: location.hash } : { page: 'lab' };
}

function update() {
  const next = readRoute();
  if (next.page === current.page && (next.page === 'lab' || (current.page === 'lesson' && next.hash === current.hash))) return;
  current = next;
  for (const l of listeners) l();
}

if (typeof window !== 'undefined') {
  window.addEventListener('hashchange', (e) => {
    if (isLessonHash(location.hash)) e.stopImmediatePropagation();
    update();
  });
  window.addEventListener('popstate', update);
}

export function useRoute(): Route {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => current,
  );
}

export function navigate(hash: string) {
  history.pushState(null, '', location.pathname + location.search + hash);
  update();
}
