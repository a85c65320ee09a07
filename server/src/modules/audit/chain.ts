import { sql } from 'kysely';
import type { Q, Trx } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { type ChainedFields, chainHash, GENESIS_HASH } from './canonical.js';
import { redact } from './redact.js';
import type { AuditEvent } from './service.js';

/** The heads table's key for an org's chain; '' is the installation's own chain. */
export const chainKey = (orgId: string | null) => orgId ?? '';

interface Head {
  seq: number;
  hash: string;
}

/** The fields a record is chained with, as the caller described it; seq comes later. */
function fieldsOf(event: AuditEvent, at: string) {
  return {
    org_id: event.orgId,
    id: event.original?.id ?? newId('aud'),
    at: event.original?.at.toISOString() ?? at,
    actor_type: event.actor.type,
    actor_id: event.actor.id,
    actor_chain: event.actor.chain ?? null,
    action: event.action,
    target_type: event.target?.type ?? null,
    target_id: event.target?.id ?? null,
    outcome: event.outcome ?? 'success',
    ip: event.meta?.ip ?? null,
    user_agent: event.meta?.userAgent ?? null,
    request_id: event.meta?.requestId ?? null,
    // Through JSON once, so the hash covers exactly what jsonb will hand back (no undefined, no Dates).
    details: JSON.parse(JSON.stringify(redact(event.details ?? {}))) as Record<string, unknown>,
  };
}

/** The heads of `chains` as stored (genesis for a chain with no record yet); `lock` holds them. */
async function readHeads(q: Q | Trx, chains: string[], lock: boolean): Promise<Map<string, Head>> {
  // Sorted, so that two writers lock the rows they share in the same order (no deadlock).
  const rows = await sql<{ chain: string; seq: string; hash: string }>`
    select chain, seq, hash from audit_chain_heads where chain in (${sql.join(chains)})
    order by chain ${lock ? sql`for update` : sql``}`.execute(q);
  const heads = new Map(chains.map((c) => [c, { seq: 0, hash: GENESIS_HASH }]));
  for (const r of rows.rows) heads.set(r.chain, { seq: Number(r.seq), hash: r.hash });
  return heads;
}

/**
 * Numbers and hashes `events` after `heads` and writes them with audit_append (migration 0010),
 * which moves each head only from the seq assumed here and otherwise fails with
 * serialization_failure, writing nothing. Returns the heads as they now are.
 */
async function write(q: Q | Trx, events: readonly AuditEvent[], heads: ReadonlyMap<string, Head>) {
  const at = new Date().toISOString();
  const next = new Map([...heads].map(([c, h]) => [c, { ...h }]));
  const rows = events.map((event) => {
    const head = next.get(chainKey(event.orgId)) as Head;
    const fields = { ...fieldsOf(event, at), seq: head.seq + 1 } satisfies ChainedFields;
    const hash = chainHash(head.hash, fields);
    const row = { ...fields, prev_hash: head.hash, hash };
    head.seq = fields.seq;
    head.hash = hash;
    return row;
  });
  const moved = [...next].map(([chain, h]) => ({
    chain,
    seq: h.seq,
    hash: h.hash,
    expected: heads.get(chain)?.seq,
  }));
  await sql`select audit_append(${JSON.stringify(moved)}::jsonb, ${JSON.stringify(rows)}::jsonb)`.execute(q);
  return { next, hashes: rows.map((r) => r.hash) };
}

const chainsOf = (events: readonly AuditEvent[]) => [...new Set(events.map((e) => chainKey(e.orgId)))].sort();

/**
 * Appends events to their orgs' chains inside the caller's transaction: the chain heads are
 * locked first and stay locked until `trx` ends, so appends to one chain from any node follow
 * one another and a rolled-back transaction leaves no gap. Returns each event's hash.
 */
export async function appendChained(trx: Trx, events: readonly AuditEvent[]): Promise<string[]> {
  if (!events.length) return [];
  const chains = chainsOf(events);
  // Heads of new chains exist before they are locked, so two first appends cannot both start at 0.
  await sql`insert into audit_chain_heads (chain, seq, hash)
    values ${sql.join(chains.map((c) => sql`(${c}, 0, ${GENESIS_HASH})`))}
    on conflict (chain) do nothing`.execute(trx);
  return (await write(trx, events, await readHeads(trx, chains, true))).hashes;
}

const isHeadMoved = (err: unknown) => (err as { code?: string }).code === '40001';

/**
 * Appends a batch in one statement, outside any transaction (the group commit): from the heads
 * this node last wrote, re-read only when another writer has moved one. A node that appends
 * alone pays one round trip and one commit per batch.
 */
export function createChainWriter(q: Q) {
  const known = new Map<string, Head>();
  return async function appendBatch(events: readonly AuditEvent[]): Promise<string[]> {
    if (!events.length) return [];
    const chains = chainsOf(events);
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1 || chains.some((c) => !known.has(c))) {
        for (const [c, h] of await readHeads(q, chains, false)) known.set(c, h);
      }
      const heads = new Map(chains.map((c) => [c, known.get(c) as Head]));
      try {
        const { next, hashes } = await write(q, events, heads);
        for (const [c, h] of next) known.set(c, h);
        return hashes;
      } catch (err) {
        // Another writer got there first; its records are in, so recompute after them.
        if (!isHeadMoved(err) || attempt >= 10) throw err;
      }
    }
  };
}
