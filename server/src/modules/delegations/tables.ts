import type { ColumnType, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export const SUBJECT_TYPES = ['agent', 'user'] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];

export interface DelegationsTable {
  id: string;
  org_id: string;
  actor_agent_id: string;
  subject_type: SubjectType;
  subject_id: string;
  scopes: string[] | null;
  max_depth: number;
  expires_at: NullableTimestamp;
  created_by: string | null;
  created_at: Timestamp;
  revoked_at: NullableTimestamp;
}

declare module '../../platform/db/tables.js' {
  interface Tables {
    delegations: DelegationsTable;
  }
}

export type Delegation = Selectable<DelegationsTable>;
