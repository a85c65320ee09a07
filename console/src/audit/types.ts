// The audit API's shapes (server/src/modules/audit/schema.ts and the checkpoints module).
export type AuditOutcome = 'success' | 'failure';
export type ActorType = 'user' | 'agent' | 'system' | 'anonymous';

export interface AuditEvent {
  id: string;
  org_id: string | null;
  /** The record's place in the org's hash chain, counting up from 1 without gaps. */
  seq: number;
  at: string;
  actor: { type: ActorType; id: string | null; chain: Record<string, unknown> | null };
  action: string;
  target: { type: string; id: string } | null;
  outcome: AuditOutcome;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

/** The list's filters as the API takes them; '' leaves one out. */
export interface AuditFilters {
  actor: string;
  /** An action, or a prefix ending in `.*` (`token.*`). */
  action: string;
  target: string;
  outcome: AuditOutcome | '';
  /** ISO instants. */
  from: string;
  to: string;
}

export type BreakKind = 'modified' | 'deleted' | 'reordered' | 'inserted' | 'truncated';

export interface VerifyReport {
  org_id: string | null;
  ok: boolean;
  verified: number;
  from_seq: number;
  last_seq: number | null;
  last_hash: string | null;
  checkpoint: { id: string; seq: number; hash: string } | null;
  break: { seq: number; kind: BreakKind; detail: string } | null;
  message: string;
}

/** A signed statement of the chain's head at one seq, to keep outside Gatehouse. */
export interface Checkpoint {
  id: string;
  org_id: string | null;
  seq: number;
  hash: string;
  at: string;
  /** The audit key that signed it, published at /.well-known/gatehouse-audit-keys.json. */
  kid: string;
  /** Ed25519 over `payload`'s UTF-8 bytes, base64url. */
  signature: string;
  /** The exact signed string: canonical JSON of {org_id, seq, hash, at}. */
  payload: string;
}
