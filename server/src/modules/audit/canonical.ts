import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** The prev_hash of a chain's first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** A record as it is chained: every column but prev_hash and hash, `at` as ISO 8601 with ms. */
export interface ChainedFields {
  org_id: string | null;
  seq: number;
  id: string;
  at: string;
  actor_type: string;
  actor_id: string | null;
  actor_chain: unknown;
  action: string;
  target_type: string | null;
  target_id: string | null;
  outcome: string;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: unknown;
}

/** RFC 8785 (JCS) canonical JSON of a record's chained fields. */
export function canonicalRecord(r: ChainedFields): string {
  const text = canonicalize(r);
  if (text === undefined) throw new Error('audit record cannot be canonicalized');
  return text;
}

/** hash = SHA-256(prev_hash ‖ canonical JSON), hex: what every node and every verifier computes. */
export function chainHash(prevHash: string, r: ChainedFields): string {
  return createHash('sha256').update(prevHash).update(canonicalRecord(r)).digest('hex');
}
