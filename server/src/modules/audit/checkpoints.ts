import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import { actorOf, type Ctx, type Principal } from '../../platform/context.js';
import type { Db, Trx } from '../../platform/db/database.js';
import { conflict } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { anchorsOf } from './anchors.js';
import { chainKey } from './chain.js';
import type { AuditKeys } from './keys.js';
import { describeReport } from './reader.js';
import { seqCursor } from './schema.js';
import type { AuditService } from './service.js';
import type { AuditCheckpoint } from './signed-tables.js';
import { checkpointPayload } from './statements.js';
import { verifyChain } from './verify.js';

interface Deps {
  db: Db;
  keys: AuditKeys;
  audit: AuditService;
  clock: Clock;
  log: Logger;
  /** How often every node checkpoints the chains that moved; 0: only on demand. */
  intervalSeconds: number;
}

const CHECKPOINTED = 'audit.checkpointed';

export function presentCheckpoint(c: AuditCheckpoint) {
  return {
    id: c.id,
    org_id: c.org_id,
    seq: Number(c.seq),
    hash: c.hash,
    at: c.at.toISOString(),
    kid: c.kid,
    signature: c.signature,
    payload: checkpointPayload(c),
  };
}

const ofChain = (orgId: string | null) => (orgId === null ? sql`org_id is null` : sql`org_id = ${orgId}`);

async function latestOf(trx: Trx, orgId: string | null) {
  return trx
    .selectFrom('audit_checkpoints')
    .selectAll()
    .where('org_id', orgId === null ? 'is' : '=', orgId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * Signed checkpoints of chain heads, so that truncating or rewriting a chain afterwards shows
 * even to someone who holds only a checkpoint and the audit keys' JWKS.
 */
export function createAuditCheckpoints({ db, keys, audit, clock, log, intervalSeconds }: Deps) {
  /**
   * Checkpoints the chain's last record, unless nothing but the previous checkpoint's own
   * `audit.checkpointed` record came after it. Verifies the records since the previous
   * checkpoint first: a broken chain is refused, never signed.
   */
  async function checkpoint(
    orgId: string | null,
    requested?: Ctx<Principal>,
  ): Promise<{ checkpoint: AuditCheckpoint; created: boolean }> {
    const signer = await keys.signer();
    return db.transaction(async (trx) => {
      // One checkpointer per chain at a time, across nodes; appends go on meanwhile.
      await sql`select pg_advisory_xact_lock(hashtext(${`gatehouse.audit.checkpoint.${chainKey(orgId)}`}))`.execute(
        trx,
      );
      const latest = await latestOf(trx, orgId);
      // Older checkpoints were checked when the latest was made.
      const { anchors, forged } = await anchorsOf(trx, orgId, latest ? Number(latest.seq) : 0);
      const pruned = Math.max(0, ...anchors.filter((a) => a.kind === 'prune').map((a) => a.seq));
      // From the previous checkpoint's own record (so that it is held to its hash), or from the
      // start when there is none after the last prune.
      const from = latest && Number(latest.seq) > pruned ? Number(latest.seq) : 1;
      const report = await verifyChain(trx, { orgId, from, anchors, forged });
      if (!report.ok) {
        throw conflict(
          'audit_chain_broken',
          `The audit chain cannot be checkpointed: ${describeReport(report)}`,
        );
      }
      if (report.last_seq === null || report.last_hash === null) {
        throw conflict('audit_chain_empty', 'The audit chain has no records to checkpoint');
      }
      if (latest && !(await movedSince(trx, orgId, latest, report.last_seq))) {
        return { checkpoint: latest, created: false };
      }
      const id = newId('ckp');
      const statement = { org_id: orgId, seq: report.last_seq, hash: report.last_hash, at: clock.now() };
      const inserted = await sql<AuditCheckpoint>`
        insert into audit_checkpoints (id, org_id, seq, hash, at, kid, signature)
        values (${id}, ${orgId}, ${statement.seq}, ${statement.hash}, ${statement.at}, ${signer.kid},
          ${signer.sign(checkpointPayload(statement))})
        on conflict ((coalesce(org_id, '')), seq) do nothing
        returning *`.execute(trx);
      const row = inserted.rows[0];
      if (!row) {
        const existing = await latestOf(trx, orgId);
        if (!existing) throw new Error('checkpoint conflict without a checkpoint');
        return { checkpoint: existing, created: false };
      }
      // Appended after the seq just signed, so the next checkpoint covers it.
      await audit.record(trx, {
        orgId,
        actor: { type: 'system', id: 'audit' },
        action: CHECKPOINTED,
        target: { type: 'audit_checkpoint', id },
        details: {
          seq: statement.seq,
          hash: statement.hash,
          kid: signer.kid,
          ...(requested ? { requested_by: actorOf(requested.principal) } : {}),
        },
        ...(requested ? { meta: requested.meta } : {}),
      });
      return { checkpoint: row, created: true };
    });
  }

  /** Whether anything but `latest`'s own record was appended after it. */
  async function movedSince(trx: Trx, orgId: string | null, latest: AuditCheckpoint, lastSeq: number) {
    const seq = Number(latest.seq);
    if (lastSeq === seq) return false;
    if (lastSeq !== seq + 1) return true;
    const after = await sql<{ action: string; target_id: string | null }>`
      select action, target_id from audit_events where ${ofChain(orgId)} and seq = ${lastSeq}`.execute(trx);
    const own = after.rows[0];
    return !(own?.action === CHECKPOINTED && own.target_id === latest.id);
  }

  /**
   * Checkpoints every chain whose head moved past its last checkpoint's own record. The heads
   * table only says which chains to look at; each checkpoint reads and verifies the records.
   */
  async function checkpointMoved(): Promise<number> {
    const moved = await sql<{ chain: string }>`
      select h.chain from audit_chain_heads h
      where h.seq > coalesce(
        (select max(c.seq) + 1 from audit_checkpoints c where coalesce(c.org_id, '') = h.chain), 0)
      order by h.chain`.execute(db.system);
    let created = 0;
    for (const { chain } of moved.rows) {
      try {
        if ((await checkpoint(chain === '' ? null : chain)).created) created++;
      } catch (err) {
        log.error({ chain, err: (err as Error).message }, 'audit: scheduled checkpoint failed');
      }
    }
    return created;
  }

  let timer: NodeJS.Timeout | undefined;
  return {
    /** The org's chain, on demand: `created` is false when nothing moved since the latest checkpoint. */
    create: (ctx: Ctx<Principal>) => checkpoint(ctx.principal.orgId, ctx),

    checkpointMoved,

    /** The org's checkpoints, newest first. */
    async list(orgId: string, page: { limit: number; cursor?: string | undefined }) {
      const before = seqCursor.decode(page.cursor);
      const rows = await db.tenant(orgId, (trx) => {
        let q = trx.selectFrom('audit_checkpoints').selectAll().where('org_id', '=', orgId);
        if (before !== undefined) q = q.where(sql`seq`, '<', before);
        return q
          .orderBy('seq', 'desc')
          .limit(page.limit + 1)
          .execute();
      });
      const items = rows.slice(0, page.limit).map(presentCheckpoint);
      const last = items.at(-1);
      return { items, next_cursor: rows.length > page.limit && last ? seqCursor.encode(last.seq) : null };
    },

    /** Every node runs the schedule; the per-chain lock and the moved check make one checkpoint. */
    start() {
      if (!intervalSeconds) return;
      const run = () =>
        checkpointMoved().catch((err: Error) =>
          log.error({ err: err.message }, 'audit: cannot look for chains to checkpoint'),
        );
      timer = setInterval(run, intervalSeconds * 1000);
      timer.unref();
    },

    stop() {
      clearInterval(timer);
    },
  };
}
export type AuditCheckpoints = ReturnType<typeof createAuditCheckpoints>;
