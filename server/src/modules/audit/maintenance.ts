import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Db } from '../../platform/db/database.js';
import { appendChained } from './chain.js';
import type { AuditEvent } from './service.js';

/** Months of partitions kept ready ahead of the current one. */
const MONTHS_AHEAD = 2;

interface LegacyRow {
  id: string;
  org_id: string | null;
  at: Date;
  actor_type: AuditEvent['actor']['type'];
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  outcome: 'success' | 'failure';
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
}

/**
 * Keeps the audit table's monthly partitions created ahead, and chains the records of the table
 * that came before the chain (migration 0008) once, oldest first, before anything new is appended.
 */
export function createAuditMaintenance({ db, log }: { db: Db; log: Logger }) {
  let timer: NodeJS.Timeout | undefined;

  const ensurePartitions = async (since = sql`now()`) => {
    await sql`select audit_ensure_partitions(${since}, ${MONTHS_AHEAD})`.execute(db.system);
  };

  /** One transaction under a lock: nodes starting together chain the old records once. */
  async function chainLegacy(): Promise<number> {
    return db.transaction(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext('gatehouse.audit.legacy'))`.execute(trx);
      const exists = await sql<{
        t: string | null;
      }>`select to_regclass('audit_events_v0')::text as t`.execute(trx);
      if (!exists.rows[0]?.t) return 0;
      const oldest = await sql<{ at: Date | null }>`select min(at) as at from audit_events_v0`.execute(trx);
      if (oldest.rows[0]?.at) {
        await sql`select audit_ensure_partitions(${oldest.rows[0].at}, ${MONTHS_AHEAD})`.execute(trx);
      }
      let count = 0;
      let after: { at: Date; id: string } | undefined;
      for (;;) {
        const page = await sql<LegacyRow>`select * from audit_events_v0
          ${after ? sql`where (at, id) > (${after.at}, ${after.id})` : sql``}
          order by at, id limit 1000`.execute(trx);
        if (!page.rows.length) break;
        await appendChained(
          trx,
          page.rows.map((r) => ({
            orgId: r.org_id,
            actor: { type: r.actor_type, id: r.actor_id },
            action: r.action,
            ...(r.target_type && r.target_id ? { target: { type: r.target_type, id: r.target_id } } : {}),
            outcome: r.outcome,
            meta: { ip: r.ip, userAgent: r.user_agent, requestId: r.request_id },
            details: r.details,
            original: { id: r.id, at: r.at },
          })),
        );
        count += page.rows.length;
        const last = page.rows[page.rows.length - 1] as LegacyRow;
        after = { at: last.at, id: last.id };
      }
      await sql`drop table audit_events_v0`.execute(trx);
      return count;
    });
  }

  return {
    ensurePartitions,

    async start() {
      await ensurePartitions();
      const chained = await chainLegacy();
      if (chained) log.info({ chained }, 'audit: records from before the chain were chained');
      // Daily is plenty with two months ahead; every node may do it (creation is idempotent).
      timer = setInterval(
        () =>
          void ensurePartitions().catch((err: Error) =>
            log.error({ err: err.message }, 'audit: cannot create partitions ahead'),
          ),
        24 * 3600_000,
      );
      timer.unref();
    },

    stop() {
      clearInterval(timer);
    },
  };
}
