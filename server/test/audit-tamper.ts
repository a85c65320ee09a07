import { sql } from 'kysely';
import { appendChained } from '../src/modules/audit/chain.js';
import type { Db, Trx } from '../src/platform/db/database.js';

/** Runs `fn` as the database owner with triggers off: what someone with direct access can do. */
export const tamper = (db: Db, fn: (trx: Trx) => Promise<unknown>) =>
  db.transaction(async (trx) => {
    await sql`set local session_replication_role = replica`.execute(trx);
    await fn(trx);
  });

/** Appends `count` test records to the org's chain; with `at`, dated then (as chained old records are). */
export const appendRecords = (db: Db, orgId: string | null, count: number, at?: Date) =>
  db.transaction((trx) =>
    appendChained(
      trx,
      Array.from({ length: count }, (_, i) => ({
        orgId,
        actor: { type: 'system' as const, id: 'test' },
        action: 'test.recorded',
        target: { type: 'thing', id: `thing_${i}` },
        details: { n: i },
        ...(at ? { original: { id: `aud_old_${at.getTime()}_${i}`, at: new Date(at.getTime() + i) } } : {}),
      })),
    ),
  );
