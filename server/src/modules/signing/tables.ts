import type { ColumnType, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export const SIGNING_REQUIREMENTS = ['never', 'always', 'actions'] as const;
export type SigningRequirement = (typeof SIGNING_REQUIREMENTS)[number];

export interface CommandSigningKeysTable {
  id: string;
  org_id: string;
  agent_id: string;
  /** The secret sealed with AES-256-GCM, bound to the row id; never the secret itself. */
  secret_sealed: string;
  created_by: string | null;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
  expires_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  /** The key that rotation made to replace this one. */
  replaced_by: string | null;
}

export interface CommandSigningPoliciesTable {
  org_id: string;
  agent_id: string;
  required: SigningRequirement;
  actions: string[];
  updated_by: string | null;
  updated_at: Timestamp;
}

// The signing module owns its tables' types and adds them to the shared database shape here,
// as the agents and credentials modules do.
declare module '../../platform/db/tables.js' {
  interface Tables {
    command_signing_keys: CommandSigningKeysTable;
    command_signing_policies: CommandSigningPoliciesTable;
  }
}

export type SigningKey = Selectable<CommandSigningKeysTable>;
export type SigningPolicyRow = Selectable<CommandSigningPoliciesTable>;
