import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface RevokedTokensTable {
  jti: string;
  org_id: string;
  expires_at: Timestamp;
  revoked_at: Timestamp;
  revoked_by: string | null;
}

declare module '../../platform/db/tables.js' {
  interface Tables {
    revoked_tokens: RevokedTokensTable;
  }
}
