import type { ColumnType, Generated, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface RegistrationSettingsTable {
  org_id: string;
  enabled: boolean;
  default_scopes: string[];
  updated_by: string | null;
  updated_at: Timestamp;
}

export interface InitialAccessTokensTable {
  id: string;
  org_id: string;
  /** HMAC-SHA256 (base64url) of the token; never the token itself. */
  token_hash: string;
  expires_at: Timestamp;
  max_uses: number | null;
  uses: Generated<number>;
  created_by: string | null;
  created_at: Timestamp;
  revoked_at: NullableTimestamp;
}

// The registration module owns its tables' types and adds them to the shared database shape here,
// as the agents and credentials modules do.
declare module '../../platform/db/tables.js' {
  interface Tables {
    registration_settings: RegistrationSettingsTable;
    initial_access_tokens: InitialAccessTokensTable;
  }
}

export type RegistrationSettings = Selectable<RegistrationSettingsTable>;
export type InitialAccessToken = Selectable<InitialAccessTokensTable>;
