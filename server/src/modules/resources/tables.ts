import type { ColumnType, Generated, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

/** A resource server tokens may be issued for (RFC 8707): its URI becomes a token's `aud`. */
export interface ResourcesTable {
  id: string;
  org_id: string;
  /** Stored exactly as registered: a token request must present the same string. */
  uri: string;
  name: string;
  description: Generated<string>;
  created_by: string | null;
  created_at: Timestamp;
}

// The resources module owns its table's type and adds it to the shared database shape here,
// as the agents and credentials modules do.
declare module '../../platform/db/tables.js' {
  interface Tables {
    resources: ResourcesTable;
  }
}

export type Resource = Selectable<ResourcesTable>;
