import type { ColumnType, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export const CREDENTIAL_TYPES = ['client_secret', 'api_key', 'private_key_jwt'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

/** A JWK Set of public keys, as registered for private_key_jwt. */
export interface Jwks {
  keys: Record<string, unknown>[];
}

export interface CredentialsTable {
  id: string;
  org_id: string;
  agent_id: string;
  type: CredentialType;
  client_id: string | null;
  key_prefix: string | null;
  /** HMAC-SHA256 (base64url) of the secret; never the secret itself. */
  secret_hash: string | null;
  previous_secret_hash: string | null;
  previous_valid_until: NullableTimestamp;
  /** jsonb: read as an object, written as JSON text. */
  jwks: ColumnType<Jwks | null, string | null | undefined, string | null>;
  jwks_uri: string | null;
  created_by: string | null;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
  expires_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

// The credentials module owns its table's type and adds it to the shared database shape here,
// as the agents module does.
declare module '../../platform/db/tables.js' {
  interface Tables {
    credentials: CredentialsTable;
  }
}

export type Credential = Selectable<CredentialsTable>;
