// The storage thread's entry (platform/db/storage-thread.ts starts it): it holds the embedded
// database (PGlite) and runs the jobs below beside it.
import { parentPort, workerData } from 'node:worker_threads';
import { Kysely } from 'kysely';
import { createChainWriter } from './modules/audit/chain.js';
import type { AuditEvent } from './modules/audit/service.js';
import { PGliteDialect } from './platform/db/pglite-dialect.js';
import { createPgliteLink, openPglite, type PgliteSpec } from './platform/db/pglite-host.js';
import { errorFields, type StorageReply, type StorageRequest } from './platform/db/storage-thread.js';
import type { Tables } from './platform/db/tables.js';

const port = parentPort;
if (!port) throw new Error('storage-worker.ts runs as a worker thread');
const pglite = openPglite(workerData as PgliteSpec);
const link = createPgliteLink(pglite);
const db = new Kysely<Tables>({ dialect: new PGliteDialect(link) });

const appendAudit = createChainWriter(db);
const jobs: Record<string, (payload: never) => Promise<unknown>> = {
  /** The audit group commit's batch: chained, hashed and written here, off the request thread. */
  'audit.append': async (events: AuditEvent[]) => {
    await appendAudit(events);
  },
};

async function serve(req: StorageRequest): Promise<unknown> {
  await pglite.waitReady;
  switch (req.op) {
    case 'query':
      return link.query(req.sql, req.params, req.session);
    case 'begin':
      return link.begin();
    case 'end':
      return link.end(req.session, req.commit);
    case 'job': {
      const job = jobs[req.name];
      if (!job) throw new Error(`no storage job named ${req.name}`);
      return job(req.payload as never);
    }
    case 'dump':
      return new Uint8Array(await (await pglite.dumpDataDir('none')).arrayBuffer());
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
