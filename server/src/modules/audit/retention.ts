import { sql } from 'kysely';
import type { Clock } from '../../platform/clock.js';
import type { Db, Trx } from '../../platform/db/database.js';
import { conflict } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { anchorsOf } from './anchors.js';
import type { AuditKeys, AuditSigner } from './keys.js';
import { describeReport } from './reader.js';
import type { AuditService } from './service.js';
import { prunePayload } from './statements.js';
import { verifyChain } from './verify.js';

/** What a partition holds of one chain: the seqs retention removes with it. */
export interface PrunedSegment {
  orgId: string | null;
  fromSeq: number;
  toSeq: number;
  count: number;
  lastHash: string;
  /** The prune record's id, once written. */
  pruneId?: string;
}

export interface PrunedPartition {
  name: string;
  segments: PrunedSegment[];
}

interface Deps {
  db: Db;
  keys: AuditKeys;
  audit: AuditService;
  clock: Clock;
  /** Who prunes, as the audit.pruned records name it. */
  actor: { type: 'system'; id: string };
}

const MONTHLY = /^audit_events_(\d{4})_(\d{2})$/;
const label = (orgId: string | null) => orgId ?? 'the installation';
const ofChain = (orgId: string | null) => (orgId === null ? sql`org_id is null` : sql`org_id = ${orgId}`);

/** Monthly partitions whose whole month lies before `before`, oldest first. */
async function partitionsBefore(trx: Trx, before: Date): Promise<string[]> {
  const children = await sql<{ name: string }>`
    select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = 'audit_events'::regclass`.execute(trx);
  return children.rows
    .map((r) => r.name)
    .filter((name) => {
      const m = MONTHLY.exec(name);
      // Date.UTC counts months from 0: the 1-based month names the first day of the next one.
      return m !== null && Date.UTC(Number(m[1]), Number(m[2]), 1) <= before.getTime();
    })
    .sort();
}

async function segmentsOf(trx: Trx, partition: string): Promise<PrunedSegment[]> {
  const table = sql.id(partition);
  const chains = await sql<{ org_id: string | null; from_seq: string; to_seq: string; count: string }>`
    select org_id, min(seq) as from_seq, max(seq) as to_seq, count(*) as count from ${table}
    group by org_id order by org_id nulls first`.execute(trx);
  const segments: PrunedSegment[] = [];
  for (const c of chains.rows) {
    const last = await sql<{ hash: string }>`select hash from ${table}
      where ${ofChain(c.org_id)} and seq = ${c.to_seq} order by id limit 1`.execute(trx);
    segments.push({
      orgId: c.org_id,
      fromSeq: Number(c.from_seq),
      toSeq: Number(c.to_seq),
      count: Number(c.count),
      lastHash: last.rows[0]?.hash ?? '',
    });
  }
  return segments;
}

/**
 * Refuses a prune that would cut a chain anywhere but at its start, or remove records that do
 * not verify: a prune record vouches for what it removed, so it must never cover a tampering.
 */
async function checkChains(trx: Trx, plan: PrunedPartition[]) {
  const names = plan.map((p) => p.name);
  const byChain = new Map<string | null, PrunedSegment[]>();
  for (const p of plan)
    for (const s of p.segments) byChain.set(s.orgId, [...(byChain.get(s.orgId) ?? []), s]);
  for (const [orgId, segments] of byChain) {
    for (const [i, s] of segments.entries()) {
      const previous = segments[i - 1];
      if (s.count !== s.toSeq - s.fromSeq + 1 || (previous && s.fromSeq !== previous.toSeq + 1)) {
        throw conflict(
          'audit_prune_refused',
          `the records of ${label(orgId)} are not in seq order across ${names.join(', ')}; nothing was pruned`,
        );
      }
    }
    const toSeq = (segments.at(-1) as PrunedSegment).toSeq;
    const kept = await sql<{ seq: string; partition: string }>`
      select e.seq, c.relname as partition from audit_events e join pg_class c on c.oid = e.tableoid
      where ${ofChain(orgId)} and e.seq <= ${toSeq} and c.relname not in (${sql.join(names)})
      order by e.seq limit 1`.execute(trx);
    const hole = kept.rows[0];
    if (hole) {
      throw conflict(
        'audit_prune_refused',
        `pruning would leave a hole in the chain of ${label(orgId)}: seq ${hole.seq} stays in ${hole.partition} while seqs up to ${toSeq} go; nothing was pruned`,
      );
    }
    const report = await verifyChain(trx, { orgId, to: toSeq, ...(await anchorsOf(trx, orgId)) });
    if (!report.ok) {
      throw conflict(
        'audit_chain_broken',
        `the chain of ${label(orgId)} does not verify, so it is not pruned: ${describeReport(report)}`,
      );
    }
  }
}

/** Signs and stores what the partition held of one chain, and records that in the chain itself. */
async function recordPrune(trx: Trx, deps: Deps, signer: AuditSigner, partition: string, s: PrunedSegment) {
  const row = {
    id: newId('prn'),
    org_id: s.orgId,
    partition_name: partition,
    from_seq: s.fromSeq,
    to_seq: s.toSeq,
    count: s.count,
    last_hash: s.lastHash,
    at: deps.clock.now(),
  };
  await trx
    .insertInto('audit_prunes')
    .values({ ...row, kid: signer.kid, signature: signer.sign(prunePayload(row)) })
    .execute();
  await deps.audit.record(trx, {
    orgId: s.orgId,
    actor: deps.actor,
    action: 'audit.pruned',
    target: { type: 'audit_prune', id: row.id },
    details: { partition, from_seq: s.fromSeq, to_seq: s.toSeq, count: s.count, last_hash: s.lastHash },
  });
  s.pruneId = row.id;
}

/**
 * Retention: drops the monthly partitions of audit_events wholly before `before`, in one
 * transaction. For each chain they hold it first writes a signed prune record (verification
 * resumes after it) and an `audit.pruned` record in that chain. Refuses a date in the current
 * month or later. With `apply` false it only says what it would drop.
 */
export async function pruneBefore(deps: Deps, before: Date, apply: boolean): Promise<PrunedPartition[]> {
  const now = deps.clock.now();
  const currentMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  if (before.getTime() > currentMonth) {
    throw conflict(
      'audit_prune_refused',
      `records of the current month are never pruned: give a date no later than ${new Date(currentMonth).toISOString()}`,
    );
  }
  // The signer opens its own transaction: before this one, for the embedded database.
  const signer = await deps.keys.signer();
  return deps.db.transaction(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('gatehouse.audit.prune'))`.execute(trx);
    const plan: PrunedPartition[] = [];
    for (const name of await partitionsBefore(trx, before)) {
      plan.push({ name, segments: await segmentsOf(trx, name) });
    }
    await checkChains(trx, plan);
    if (!apply) return plan;
    for (const p of plan) {
      for (const s of p.segments) await recordPrune(trx, deps, signer, p.name, s);
    }
    // Owner only: the app role can neither detach nor drop, and no trigger fires on either.
    for (const p of plan) {
      await sql`alter table audit_events detach partition ${sql.id(p.name)}`.execute(trx);
      await sql`drop table ${sql.id(p.name)}`.execute(trx);
    }
    return plan;
  });
}
