import type { ColumnType, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, never>;
/** bigint: pg hands it back as a string. */
type Int8 = ColumnType<string, number, never>;

/** The installation's audit signing keys (Ed25519); never deleted, so old statements still verify. */
export interface AuditKeysTable {
  kid: string;
  public_jwk: ColumnType<Record<string, unknown>, string, never>;
  private_key_sealed: ColumnType<string, string, never>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** Signed statements "org O's chain had hash H at seq S at time T". */
export interface AuditCheckpointsTable {
  id: string;
  org_id: string | null;
  seq: Int8;
  hash: string;
  at: Timestamp;
  kid: string;
  signature: string;
  created_at: ColumnType<Date, never, never>;
}

/** Signed statements of what retention removed from a chain. */
export interface AuditPrunesTable {
  id: string;
  org_id: string | null;
  partition_name: string;
  from_seq: Int8;
  to_seq: Int8;
  count: Int8;
  last_hash: string;
  at: Timestamp;
  kid: string;
  signature: string;
}

// The audit module owns these tables' types (as the agents module does its own).
declare module '../../platform/db/tables.js' {
  interface Tables {
    audit_keys: AuditKeysTable;
    audit_checkpoints: AuditCheckpointsTable;
    audit_prunes: AuditPrunesTable;
  }
}

export type AuditCheckpoint = Selectable<AuditCheckpointsTable>;
export type AuditPrune = Selectable<AuditPrunesTable>;
