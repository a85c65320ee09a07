import { sql } from 'kysely';
import type { Trx } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { type ChainedFields, chainHash, GENESIS_HASH } from './canonical.js';
import { redact } from './redact.js';
import type { AuditEvent } from './service.js';

/** The heads table's key for an org's chain; '' is the installation's own chain. */
export const chainKey = (orgId: string | null) => orgId ?? '';

interface Head {
  chain: string;
  seq: number;
  hash: string;
}

async function lockHeads(trx: Trx, chains: string[]): Promise<Map<string, Head>> {
  // Sorted, so that two writers lock the rows they share in the same order (no deadlock).
  const rows = await sql<{ chain: string; seq: string; hash: string }>`
    select chain, seq, hash from audit_chain_heads
    where chain in (${sql.join(chains)}) order by chain for update`.execute(trx);
  return new Map(rows.rows.map((r) => [r.chain, { chain: r.chain, seq: Number(r.seq), hash: r.hash }]));
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
    details: JSON.parse(JSON.stringify(redact(event.details ?? {}))),
  };
}

/**
 * Appends events to their orgs' chains inside `trx`: locks each chain's head, numbers the events
 * after it, hashes each onto the one before, inserts them and moves the heads. The head locks
 * are held until `trx` ends, so appends to one chain from any node follow one another, and a
 * rolled-back transaction leaves no gap. Returns the hash of each event, in order.
 */
export async function appendChained(
  trx: Trx,
  events: readonly AuditEvent[],
  now: Date = new Date(),
): Promise<string[]> {
  if (!events.length) return [];
  const at = now.toISOString();
  const chains = [...new Set(events.map((e) => chainKey(e.orgId)))].sort();
  let heads = await lockHeads(trx, chains);
  const missing = chains.filter((c) => !heads.has(c));
  if (missing.length) {
    await sql`insert into audit_chain_heads (chain, seq, hash)
      values ${sql.join(missing.map((c) => sql`(${c}, 0, ${GENESIS_HASH})`))}
      on conflict (chain) do nothing`.execute(trx);
    heads = await lockHeads(trx, chains);
  }
  const rows = events.map((event) => {
    const head = heads.get(chainKey(event.orgId)) as Head;
    const fields = { ...fieldsOf(event, at), seq: head.seq + 1 } satisfies ChainedFields;
    const hash = chainHash(head.hash, fields);
    const row = {
      ...fields,
      actor_chain: fields.actor_chain === null ? null : JSON.stringify(fields.actor_chain),
      details: JSON.stringify(fields.details),
      prev_hash: head.hash,
      hash,
    };
    head.seq = fields.seq;
    head.hash = hash;
    return row;
  });
  await trx.insertInto('audit_events').values(rows).execute();
  const moved = chains.map((c) => heads.get(c) as Head);
  await sql`update audit_chain_heads as h set seq = v.seq, hash = v.hash
    from (values ${sql.join(moved.map((h) => sql`(${h.chain}::text, ${h.seq}::bigint, ${h.hash}::text)`))}) as v(chain, seq, hash)
    where h.chain = v.chain`.execute(trx);
  return rows.map((r) => r.hash);
}
