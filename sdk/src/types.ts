export type Role = 'admin' | 'manager' | 'member' | 'viewer';

export interface OrgRef {
  id: string;
  name: string;
  slug: string;
}

export interface Org extends OrgRef {
  created_at: string;
}

export interface Session {
  user: { id: string; email: string; name: string };
  org: OrgRef;
  role: Role;
  orgs: (OrgRef & { role: Role })[];
  session: { id: string; expires_at: string };
}

/** One of the signed-in user's live sessions (GET /v1/auth/sessions). */
export interface SessionInfo {
  id: string;
  /** The organization the session is signed in to. */
  org_id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
  /** True for the session that made the request. */
  current: boolean;
}

export interface SignedIn extends Session {
  token: string;
  expires_at: string;
}

export interface Member {
  id: string;
  email: string;
  name: string;
  role: Role;
  joined_at: string;
  last_login_at: string | null;
}

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  created_at: string;
  expires_at: string;
  invited_by: string | null;
}

/** The answer to creating an invitation: the one-time link is shown only here. */
export interface CreatedInvitation extends Invitation {
  invite_url: string;
  token: string;
}

/** What an invitation link is for, before accepting it. */
export interface InvitationPreview {
  org: OrgRef;
  email: string;
  role: Role;
  expires_at: string;
  existing_user: boolean;
}

export type AgentStatus = 'active' | 'suspended' | 'archived';

/** What an agent is: replaced whole, and every change is a new immutable version. */
export interface AgentDefinition {
  instructions: string;
  model: string;
  /** Tool names; the server drops duplicates and keeps the order. */
  tools: string[];
}

/** One immutable version of an agent's definition (GET /v1/agents/{id}/versions). */
export interface AgentVersion extends AgentDefinition {
  id: string;
  /** 1, 2, 3… per agent. */
  version: number;
  /** The user who wrote it. */
  created_by: string | null;
  created_at: string;
}

export interface Agent {
  id: string;
  /** Unique in the org among agents that are not archived; DNS-label shaped; never changes. */
  name: string;
  display_name: string;
  description: string;
  /** The owning user's id. */
  owner: string;
  status: AgentStatus;
  allowed_scopes: string[];
  token_ttl_seconds: number;
  metadata: Record<string, unknown>;
  /** The current definition version, inline; null until one is given. */
  definition: AgentVersion | null;
  created_at: string;
  updated_at: string;
}

export interface CreateAgentInput {
  name: string;
  /** Defaults to the name. */
  display_name?: string;
  description?: string;
  /** A member's user id; defaults to the caller. */
  owner?: string;
  allowed_scopes?: string[];
  /** 60 to 86400; 900 by default. */
  token_ttl_seconds?: number;
  metadata?: Record<string, unknown>;
  /** Becomes version 1. */
  definition?: AgentDefinition;
}

/** Archiving is `DELETE /v1/agents/{id}`, so a status change here only suspends or reactivates. */
export interface UpdateAgentInput extends Omit<CreateAgentInput, 'name'> {
  status?: 'active' | 'suspended';
}

/** A type (not an interface) so that it can be passed where a record of query parameters is expected. */
export type AgentFilters = {
  /** Without it, archived agents are left out. */
  status?: AgentStatus;
  owner?: string;
  /** Lowercase letters, digits and dashes. */
  name_prefix?: string;
};

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}
