import { sql } from 'kysely';
import type { Q } from '../../platform/db/database.js';
import { publicKeys, signedBy } from './keys.js';
import { checkpointPayload, prunePayload } from './statements.js';
import type { Anchor, AnchorSet } from './verify.js';

/**
 * The chain's checkpoints and prune records, each checked against the audit keys: those whose
 * signature verifies are anchors verification trusts; the others are forged and break the chain.
 * Prune records come last, so that where a checkpoint shares a prune record's seq, verification
 * still resumes after the prune. Works on the owner or on the org's tenant transaction.
 * `sinceSeq` leaves out older checkpoints, for a caller that verifies only from there.
 */
export async function anchorsOf(q: Q, orgId: string | null, sinceSeq = 0): Promise<AnchorSet> {
  const keys = await publicKeys(q);
  const chain = orgId === null ? ('is' as const) : ('=' as const);
  const checkpoints = await q
    .selectFrom('audit_checkpoints')
    .selectAll()
    .where('org_id', chain, orgId)
    .where(sql`seq`, '>=', sinceSeq)
    .orderBy('seq')
    .execute();
  const prunes = await q
    .selectFrom('audit_prunes')
    .selectAll()
    .where('org_id', chain, orgId)
    .orderBy('to_seq')
    .execute();
  const set: AnchorSet = { anchors: [], forged: [] };
  const add = (a: Anchor, valid: boolean) => (valid ? set.anchors : set.forged).push(a);
  for (const c of checkpoints) {
    add(
      { seq: Number(c.seq), hash: c.hash, id: c.id, kind: 'checkpoint' },
      signedBy(keys, c.kid, checkpointPayload(c), c.signature),
    );
  }
  for (const p of prunes) {
    add(
      { seq: Number(p.to_seq), hash: p.last_hash, id: p.id, kind: 'prune' },
      signedBy(keys, p.kid, prunePayload(p), p.signature),
    );
  }
  return set;
}
