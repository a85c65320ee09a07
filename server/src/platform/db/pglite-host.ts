import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite, type Results } from '@electric-sql/pglite';
import type { PgliteLink, PgliteResult } from './pglite-dialect.js';

/** Where the embedded database lives: a data dir on disk, or memory (optionally from a dump). */
export interface PgliteSpec {
  dataDir: string | 'memory';
  /** A data dir dump (PGlite's dumpDataDir) to start from; only with memory. */
  load?: Uint8Array;
}

export function openPglite(spec: PgliteSpec): PGlite {
  if (spec.dataDir !== 'memory') {
    const dir = join(spec.dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true });
    return new PGlite(dir);
  }
  return spec.load ? new PGlite({ loadDataDir: new Blob([new Uint8Array(spec.load)]) }) : new PGlite();
}

/** A FIFO lock: PGlite has one session. */
class Mutex {
  #tail: Promise<void> = Promise.resolve();

  acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ready = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => next);
    return ready;
  }
}

const resultOf = (r: Results | undefined): PgliteResult =>
  r?.affectedRows === undefined ? { rows: r?.rows ?? [] } : { rows: r.rows, affectedRows: r.affectedRows };

/** The session link in the thread that holds `pglite`: every user of it, local or remote, queues here. */
export function createPgliteLink(pglite: PGlite): PgliteLink {
  const mutex = new Mutex();
  let held: { session: number; release: () => void } | undefined;
  let sessions = 0;

  // Without parameters use the simple protocol, which also runs multi-statement SQL
  // (migrations), as pg does for parameterless queries.
  const run = async (sql: string, params: readonly unknown[]) =>
    resultOf(params.length === 0 ? (await pglite.exec(sql)).at(-1) : await pglite.query(sql, [...params]));

  return {
    async query(sql, params, session) {
      if (session !== undefined) {
        if (held?.session !== session) throw new Error('this transaction has already ended');
        return run(sql, params);
      }
      const release = await mutex.acquire();
      try {
        return await run(sql, params);
      } finally {
        release();
      }
    },

    async begin() {
      const release = await mutex.acquire();
      try {
        await pglite.exec('begin');
      } catch (err) {
        release();
        throw err;
      }
      sessions += 1;
      held = { session: sessions, release };
      return sessions;
    },

    async end(session, commit) {
      if (held?.session !== session) return;
      const { release } = held;
      held = undefined;
      try {
        await pglite.exec(commit ? 'commit' : 'rollback');
      } finally {
        release();
      }
    },

    close: () => pglite.close(),
  };
}
