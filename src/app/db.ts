// Runs, their metric rows and their state/checkpoint blobs in IndexedDB, so a
// reload, a crash or a closed tab loses nothing that was finished. A small
// promise wrapper; no dependency.

import type { RunConfig } from '../rl/config';
import type { MetricsRow, RolloutGroup } from '../rl/types';

export type RunStatus = 'ready' | 'starting' | 'running' | 'paused' | 'done' | 'stopped' | 'error' | 'recorded';
export type RunOrigin = 'local' | 'link' | 'import';

export interface BaseFileInfo {
  name: string;
  sha256: string | null;
}

/** Everything about a run except its rows and blobs. */
export interface StoredRun {
  id: string;
  name: string;
  config: RunConfig;
  status: RunStatus;
  error: string | null;
  origin: RunOrigin;
  createdAt: number;
  /** Steps per second; Infinity = full speed. */
  speed: number;
  /** Step of the latest resumable state blob, or null when there is none. */
  savedStep: number | null;
  hasCheckpoint: boolean;
  hasBase: boolean;
  /** The uploaded base checkpoint's file name and short SHA-256 (absent for runs saved before they were kept). */
  baseFile?: BaseFileInfo | null;
  rollouts: RolloutGroup | null;
}

export type BlobKind = 'state' | 'checkpoint' | 'base';

export interface LabDb {
  /** The IndexedDB database's name, which a run worker opens to store its blobs (src/worker/run-worker.ts); null for a database only this page can reach. */
  readonly name: string | null;
  listRuns(): Promise<StoredRun[]>;
  putRun(run: StoredRun): Promise<void>;
  /** A new run with its first rows and base checkpoint, all or nothing. */
  addRun(run: StoredRun, rows: readonly MetricsRow[], base?: ArrayBuffer): Promise<void>;
  /** Removes the run with its rows and blobs. */
  deleteRun(id: string): Promise<void>;
  putRows(runId: string, rows: readonly MetricsRow[]): Promise<void>;
  rows(runId: string): Promise<MetricsRow[]>;
  /** Drops rows logged after `step` (they will be recomputed when the run resumes from that step). */
  deleteRowsAfter(runId: string, step: number): Promise<void>;
  putBlob(runId: string, kind: BlobKind, data: ArrayBuffer): Promise<void>;
  getBlob(runId: string, kind: BlobKind): Promise<ArrayBuffer | null>;
}

const VERSION = 1;
const BLOB_KINDS: BlobKind[] = ['state', 'checkpoint', 'base'];

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

const rowKey = (runId: string, row: MetricsRow) => [runId, row.step, row.kind];

export async function openLabDb(name = 'rlvr-lab'): Promise<LabDb> {
  if (typeof indexedDB === 'undefined') throw new Error('IndexedDB is not available');
  const open = indexedDB.open(name, VERSION);
  open.onupgradeneeded = () => {
    const db = open.result;
    db.createObjectStore('runs', { keyPath: 'id' });
    db.createObjectStore('rows');
    db.createObjectStore('blobs');
  };
  const db = await done(open);
  // Rows are keyed [runId, step, kind]: one run's rows form a contiguous, step-ordered key range.
  const runRange = (runId: string) => IDBKeyRange.bound([runId, -Infinity], [runId, Infinity]);

  async function write(stores: string[], fn: (tx: IDBTransaction) => void): Promise<void> {
    const tx = db.transaction(stores, 'readwrite');
    fn(tx);
    await committed(tx);
  }

  return {
    name,
    listRuns: async () => (await done(db.transaction('runs').objectStore('runs').getAll())) as StoredRun[],
    putRun: (run) => write(['runs'], (tx) => tx.objectStore('runs').put(run)),
    addRun: (run, rows, base) =>
      write(['runs', 'rows', 'blobs'], (tx) => {
        tx.objectStore('runs').put(run);
        for (const row of rows) tx.objectStore('rows').put(row, rowKey(run.id, row));
        if (base) tx.objectStore('blobs').put(base, `${run.id}/base`);
      }),
    deleteRun: (id) =>
      write(['runs', 'rows', 'blobs'], (tx) => {
        tx.objectStore('runs').delete(id);
        tx.objectStore('rows').delete(runRange(id));
        for (const kind of BLOB_KINDS) tx.objectStore('blobs').delete(`${id}/${kind}`);
      }),
    putRows: (runId, rows) =>
      write(['rows'], (tx) => {
        const store = tx.objectStore('rows');
        for (const row of rows) store.put(row, rowKey(runId, row));
      }),
    rows: async (runId) => (await done(db.transaction('rows').objectStore('rows').getAll(runRange(runId)))) as MetricsRow[],
    // An array sorts after every string in IndexedDB, so [runId, step, []] lies just past both rows of `step`.
    deleteRowsAfter: (runId, step) => write(['rows'], (tx) => tx.objectStore('rows').delete(IDBKeyRange.bound([runId, step, []], [runId, Infinity], true, false))),
    putBlob: (runId, kind, data) => write(['blobs'], (tx) => tx.objectStore('blobs').put(data, `${runId}/${kind}`)),
    getBlob: async (runId, kind) => ((await done(db.transaction('blobs').objectStore('blobs').get(`${runId}/${kind}`))) as ArrayBuffer | undefined) ?? null,
  };
}
