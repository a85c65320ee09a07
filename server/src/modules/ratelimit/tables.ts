import type { ColumnType, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface OrgRateLimitsTable {
  org_id: string;
  /** Null: the server default (GATEHOUSE_RATE_LIMIT_AGENT_RPM). */
  agent_rpm: number | null;
  updated_by: string | null;
  updated_at: Timestamp;
}

export interface AgentRateLimitsTable {
  agent_id: string;
  org_id: string;
  rpm: number;
  updated_by: string | null;
  updated_at: Timestamp;
}

// The module owns its tables' types and adds them to the shared database shape here, as the
// agents and registration modules do.
declare module '../../platform/db/tables.js' {
  interface Tables {
    org_rate_limits: OrgRateLimitsTable;
    agent_rate_limits: AgentRateLimitsTable;
  }
}

export type OrgRateLimit = Selectable<OrgRateLimitsTable>;
export type AgentRateLimit = Selectable<AgentRateLimitsTable>;
