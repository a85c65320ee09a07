import { type Selectable, sql } from 'kysely';
import type { Ctx, Principal } from '../../platform/context.js';
import type { Db, Q } from '../../platform/db/database.js';
import type { AuditEventsTable } from '../../platform/db/tables.js';
import type { AuditQuery, PresentedAuditEvent } from './schema.js';
import { seqCursor } from './schema.js';
import { type AnchorSet, type VerifyReport, verifyChain } from './verify.js';

export function presentAuditEvent(r: Selectable<AuditEventsTable>): PresentedAuditEvent {
  return {
    id: r.id,
    org_id: r.org_id,
    seq: Number(r.seq),
    at: r.at.toISOString(),
    actor: { type: r.actor_type, id: r.actor_id, chain: r.actor_chain ?? null },
    action: r.action,
    target: r.target_type && r.target_id ? { type: r.target_type, id: r.target_id } : null,
    outcome: r.outcome,
    ip: r.ip,
    user_agent: r.user_agent,
    request_id: r.request_id,
    details: r.details,
    prev_hash: r.prev_hash,
    hash: r.hash,
  };
}

/** One line for a person: what verification found. */
export function describeReport(r: VerifyReport): string {
  if (r.break) return `chain broken at seq ${r.break.seq}: ${r.break.kind} (${r.break.detail})`;
  if (r.last_seq === null) return 'no records to verify';
  const matching = r.checkpoint ? `, matching checkpoint ${r.checkpoint.id} at seq ${r.checkpoint.seq}` : '';
  return `verified ${r.verified} events up to seq ${r.last_seq}${matching}`;
}

export interface AuditReaderDeps {
  db: Db;
  /** A chain's checkpoints and prune records, sorted by whether their signatures verified (anchors.ts). */
  anchors(q: Q, orgId: string | null): Promise<AnchorSet>;
}

/** Reading the log: the filtered list and chain verification, within the caller's org. */
export function createAuditReader({ db, anchors }: AuditReaderDeps) {
  return {
    async list(ctx: Ctx<Principal>, query: AuditQuery) {
      const orgId = ctx.principal.orgId;
      const before = seqCursor.decode(query.cursor);
      const rows = await db.tenant(orgId, (trx) => {
        let q = trx.selectFrom('audit_events').selectAll().where('org_id', '=', orgId);
        if (before !== undefined) q = q.where('seq', '<', String(before) as never);
        if (query.actor) q = q.where('actor_id', '=', query.actor);
        if (query.action?.endsWith('.*')) q = q.where('action', 'like', `${query.action.slice(0, -1)}%`);
        else if (query.action) q = q.where('action', '=', query.action);
        if (query.target) q = q.where('target_id', '=', query.target);
        if (query.outcome) q = q.where('outcome', '=', query.outcome);
        if (query.from) q = q.where('at', '>=', new Date(query.from) as never);
        if (query.to) q = q.where('at', '<', new Date(query.to) as never);
        return q
          .orderBy(sql`seq`, 'desc')
          .limit(query.limit + 1)
          .execute();
      });
      const items = rows.slice(0, query.limit).map(presentAuditEvent);
      const last = items.at(-1);
      return { items, next_cursor: rows.length > query.limit && last ? seqCursor.encode(last.seq) : null };
    },

    async verify(ctx: Ctx<Principal>, range: { from?: number | undefined; to?: number | undefined }) {
      const orgId = ctx.principal.orgId;
      const report = await db.tenant(orgId, async (trx) =>
        verifyChain(trx, {
          orgId,
          ...(range.from !== undefined ? { from: range.from } : {}),
          ...(range.to !== undefined ? { to: range.to } : {}),
          ...(await anchors(trx, orgId)),
        }),
      );
      return { ...report, message: describeReport(report) };
    },
  };
}
export type AuditReader = ReturnType<typeof createAuditReader>;
