// The storage thread's entry (platform/db/storage-thread.ts starts it): it holds PGlite in
// embedded mode, or a small pool of its own on PostgreSQL, and runs the jobs below on it.
import { parentPort, workerData } from 'node:worker_threads';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createChainWriter } from './modules/audit/chain.js';
import type { AuditEvent } from './modules/audit/service.js';
import { PGliteDialect, type PgliteLink } from './platform/db/pglite-dialect.js';
import { createPgliteLink, openPglite } from './platform/db/pglite-host.js';
import {
  errorFields,
  type StorageReply,
  type StorageRequest,
  type StorageSpec,
} from './platform/db/storage-thread.js';
import type { Tables } from './platform/db/tables.js';

const port = parentPort;
if (!port) throw new Error('storage-worker.ts runs as a worker thread');
const spec = workerData as StorageSpec;

const pglite = spec.kind === 'pglite' ? openPglite(spec) : undefined;
const link: PgliteLink | undefined = pglite ? createPgliteLink(pglite) : undefined;
const db = new Kysely<Tables>({
  dialect: link
    ? new PGliteDialect(link)
    : // The group commit writes one batch at a time; a second connection serves its re-reads.
      new PostgresDialect({
        pool: new pg.Pool({ connectionString: spec.kind === 'postgres' ? spec.url : '', max: 2 }),
      }),
});
const ready = pglite ? pglite.waitReady : Promise.resolve();

const appendAudit = createChainWriter(db);
const jobs: Record<string, (payload: never) => Promise<unknown>> = {
  /** The audit group commit's batch: chained, hashed and written here, off the request thread. */
  'audit.append': async (events: AuditEvent[]) => {
    await appendAudit(events);
  },
};

function needLink(): PgliteLink {
  if (!link) throw new Error('no embedded database in this storage thread');
  return link;
}

async function serve(req: StorageRequest): Promise<unknown> {
  await ready;
  switch (req.op) {
    case 'query':
      return needLink().query(req.sql, req.params, req.session);
    case 'begin':
      return needLink().begin();
    case 'end':
      return needLink().end(req.session, req.commit);
    case 'job': {
      const job = jobs[req.name];
      if (!job) throw new Error(`no storage job named ${req.name}`);
      return job(req.payload as never);
    }
    case 'dump': {
      if (!pglite) throw new Error('no embedded database in this storage thread');
      return new Uint8Array(await (await pglite.dumpDataDir('none')).arrayBuffer());
    }
    case 'close':
      await db.destroy();
      return undefined;
  }
}

port.on('message', (req: StorageRequest & { id: number }) => {
  serve(req).then(
    (value) => {
      const reply: StorageReply = { id: req.id, ok: true, value };
      port.postMessage(reply, value instanceof Uint8Array ? [value.buffer as ArrayBuffer] : []);
    },
    (err: unknown) =>
      port.postMessage({ id: req.id, ok: false, error: errorFields(err) } satisfies StorageReply),
  );
});
