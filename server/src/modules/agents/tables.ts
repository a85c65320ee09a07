import type { ColumnType, Generated, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** jsonb: read as an object, written as JSON text (both drivers parse it on the way out). */
type JsonObject = ColumnType<Record<string, unknown>, string | undefined, string>;

export const AGENT_STATUSES = ['active', 'suspended', 'archived'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export interface AgentsTable {
  id: string;
  org_id: string;
  name: string;
  display_name: string;
  description: Generated<string>;
  owner_user_id: string;
  status: Generated<AgentStatus>;
  allowed_scopes: Generated<string[]>;
  token_ttl_seconds: Generated<number>;
  metadata: JsonObject;
  current_version_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AgentVersionsTable {
  id: string;
  org_id: string;
  agent_id: string;
  version: number;
  instructions: string;
  model: string;
  tools: string[];
  created_by: string | null;
  created_at: Timestamp;
}

// The agents module owns its tables' types: it adds them to the shared database shape here
// rather than in platform/db/tables.ts, so the module stays in one folder.
declare module '../../platform/db/tables.js' {
  interface Tables {
    agents: AgentsTable;
    agent_versions: AgentVersionsTable;
  }
}

export type Agent = Selectable<AgentsTable>;
export type AgentVersion = Selectable<AgentVersionsTable>;
