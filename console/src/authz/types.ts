// The authorization API's shapes (server/src/modules/authz/schema.ts): capabilities, skills, agent attributes,
// policy sets and their versions, and decisions.

export interface CatalogueAction {
  name: string;
  capability: string;
  resource: string;
  description: string;
}

export interface Catalogue {
  capabilities: string[];
  actions: CatalogueAction[];
  resource_types: string[];
}

/** An active agent holding a capability now; the list comes most trusted first. */
export interface Holder {
  agent_id: string;
  name: string;
  trust_score: number;
  tags: string[];
  granted_at: string;
  expires_at: string | null;
}

export interface Skill {
  capability: string;
  note: string;
  /** A user id (or an agent's, when an agent granted it). */
  granted_by: string | null;
  granted_at: string;
  expires_at: string | null;
  /** False once it has expired (an expired skill stays listed until revoked or granted again). */
  live: boolean;
}

export interface GrantSkillInput {
  capability: string;
  note?: string;
  expires_at?: string;
}

export interface AgentAttributes {
  tags: string[];
  /** 0 to 100; 50 unless set. */
  trust_score: number;
}

export interface PolicySummary {
  id: string;
  effect: 'permit' | 'forbid';
}

/** The policy set in force; version 0 is the built-in default. */
export interface CurrentPolicies {
  version: number;
  text: string;
  policies: PolicySummary[];
}

export interface PolicyVersion {
  version: number;
  text: string;
  note: string;
  created_by: string | null;
  created_at: string;
  policies: PolicySummary[];
}

export interface SimulateInput {
  agent_id: string;
  action: string;
  resource: { type: string; id: string; name?: string };
  context?: { ip?: string; method?: string; path?: string };
  /** A draft policy set to decide with instead of the one in force. */
  policies?: string;
}

export interface Decision {
  allowed: boolean;
  action: string;
  capability: string | null;
  /** Stable codes with a detail after a colon: `permitted_by:<id>`, `missing_capability:<cap>`, … */
  reasons: string[];
  /** The ids of the deciding policies. */
  policies: string[];
  policy_version: number | null;
  cached: boolean;
}
