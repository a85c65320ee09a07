import type { ColumnType, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface AgentSkillsTable {
  org_id: string;
  agent_id: string;
  capability: string;
  note: string;
  granted_by: string | null;
  granted_at: Timestamp;
  expires_at: NullableTimestamp;
}

export interface AgentAttributesTable {
  org_id: string;
  agent_id: string;
  tags: string[];
  trust_score: number;
  updated_at: Timestamp;
}

export interface AuthzPolicyVersionsTable {
  org_id: string;
  version: number;
  text: string;
  note: string;
  created_by: string | null;
  created_at: Timestamp;
}

declare module '../../platform/db/tables.js' {
  interface Tables {
    agent_skills: AgentSkillsTable;
    agent_attributes: AgentAttributesTable;
    authz_policy_versions: AuthzPolicyVersionsTable;
  }
}

export type AgentSkill = Selectable<AgentSkillsTable>;
export type PolicyVersion = Selectable<AuthzPolicyVersionsTable>;
