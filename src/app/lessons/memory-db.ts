// A LabDb that lives only as long as the page: lesson runs are experiments of
// the moment and must not crowd the lab's saved runs, but their states and
// final checkpoints are still needed (pause, resume, reading a finished policy).

import type { MetricsRow } from '../../rl/types';
import type { BlobKind, LabDb, StoredRun } from '../db';

export function memoryLabDb(): LabDb {
  const runs = new Map<string, StoredRun>();
  const rows = new Map<string, MetricsRow[]>();
  const blobs = new Map<string, ArrayBuffer>();
  const blobKey = (id: string, kind: BlobKind) => `${id}/${kind}`;
  const keep = (id: string, added: readonly MetricsRow[]) => {
    const old = (rows.get(id) ?? []).filter((r) => !added.some((a) => a.step === r.step && a.kind === r.kind));
    rows.set(id, [...old, ...added].sort((a, b) => a.step - b.step));
  };
  return {
    name: null,
    listRuns: async () => [...runs.values()],
    putRun: async (run) => void runs.set(run.id, run),
    addRun: async (run, first, base) => {
      runs.set(run.id, run);
      keep(run.id, first);
      if (base) blobs.set(blobKey(run.id, 'base'), base);
    },
    deleteRun: async (id) => {
      runs.delete(id);
      rows.delete(id);
      for (const kind of ['state', 'checkpoint', 'base'] as const) blobs.delete(blobKey(id, kind));
    },
    putRows: async (id, added) => keep(id, added),
    rows: async (id) => rows.get(id) ?? [],
    deleteRowsAfter: async (id, step) => void rows.set(id, (rows.get(id) ?? []).filter((r) => r.step <= step)),
    putBlob: async (id, kind, data) => void blobs.set(blobKey(id, kind), data),
    getBlob: async (id, kind) => blobs.get(blobKey(id, kind)) ?? null,
  };
}
