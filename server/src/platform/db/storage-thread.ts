import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { PgliteLink, PgliteResult } from './pglite-dialect.js';
import type { PgliteSpec } from './pglite-host.js';

/** An operation the storage thread serves (storage-worker.ts). */
export type StorageRequest =
  | { op: 'query'; sql: string; params: readonly unknown[]; session?: number }
  | { op: 'begin' }
  | { op: 'end'; session: number; commit: boolean }
  | { op: 'job'; name: string; payload: unknown }
  | { op: 'dump' }
  | { op: 'close' };

export type StorageReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: Record<string, unknown> & { message: string } };

/** An error as it crosses threads: its own fields (a database error's `code`, `constraint`, …) kept. */
export function errorFields(err: unknown): Record<string, unknown> & { message: string } {
  if (!(err instanceof Error)) return { message: String(err) };
  return {
    ...Object.fromEntries(Object.entries(err)),
    name: err.name,
    message: err.message,
    stack: err.stack,
  };
}

// From source (tests, tsx) the entry is TypeScript: the thread loads it through tsx's loader.
const fromSource = import.meta.url.endsWith('.ts');
const ENTRY = new URL(`../../storage-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);

/**
 * The storage thread holds the embedded database: PGlite is PostgreSQL compiled to WebAssembly,
 * which computes on whatever thread calls it, so on the request thread every query would stall
 * every request. Jobs that are mostly database work run there too, beside it (the audit group
 * commit). The request thread talks to it through messages, a few microseconds each way.
 */
export function startStorageThread(spec: PgliteSpec, log: Logger) {
  // The same heap budget as the request thread's (--max-old-space-size, or what V8 sized from
  // the machine or container), rather than V8 sizing the thread's from the host alone.
  const options = {
    workerData: spec,
    resourceLimits: { maxOldGenerationSizeMb: Math.ceil(getHeapStatistics().heap_size_limit / 2 ** 20) },
  };
  const worker = fromSource
    ? new Worker(
        `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(ENTRY.href)}); })`,
        { ...options, eval: true },
      )
    : new Worker(ENTRY, options);
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  let ids = 0;
  let dead: Error | undefined;
  // The thread keeps the process alive only while something waits on it, so a CLI that
  // forgets nothing still exits when its work is done.
  worker.unref();

  const fail = (err: Error) => {
    dead ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('message', (reply: StorageReply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if (reply.ok) p.resolve(reply.value);
    else p.reject(Object.assign(new Error(reply.error.message), reply.error));
  });
  worker.on('error', (err) => {
    log.error({ err: err.message }, 'storage thread failed');
    fail(err);
  });
  worker.on('exit', (code) => fail(new Error(`storage thread exited (${code})`)));

  function call<T>(request: StorageRequest, transfer?: ArrayBuffer[]): Promise<T> {
    if (dead) return Promise.reject(dead);
    const id = ++ids;
    return new Promise<T>((resolve, reject) => {
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ id, ...request }, transfer);
    });
  }

  let closing: Promise<void> | undefined;
  const link: PgliteLink = {
    query: (sql, params, session) =>
      call<PgliteResult>({ op: 'query', sql, params, ...(session === undefined ? {} : { session }) }),
    begin: () => call<number>({ op: 'begin' }),
    end: (session, commit) => call<void>({ op: 'end', session, commit }),
    close() {
      closing ??= call<void>({ op: 'close' })
        .catch((err) => {
          if (!dead) throw err;
        })
        .finally(() => worker.terminate());
      return closing;
    },
  };

  return {
    /** PGlite's session, for the Kysely dialect. */
    link,
    /** Runs a job the thread knows by name (storage-worker.ts) and resolves with its result. */
    run: <T>(name: string, payload: unknown) => call<T>({ op: 'job', name, payload }),
    /** The embedded database as a data dir dump. */
    dump: () => call<Uint8Array>({ op: 'dump' }),
    close: () => link.close(),
  };
}
export type StorageThread = ReturnType<typeof startStorageThread>;
