import type { Role } from './db/tables.js';

export const ROLES = ['admin', 'manager', 'member', 'viewer'] as const satisfies readonly Role[];
const RANK: Record<Role, number> = { viewer: 0, member: 1, manager: 2, admin: 3 };

/** True when `role` is `min` or above it (admin > manager > member > viewer). */
export const roleAtLeast = (role: Role, min: Role) => RANK[role] >= RANK[min];

/** A signed-in human acting in one org, resolved from a session. */
export interface UserPrincipal {
  type: 'user';
  userId: string;
  orgId: string;
  role: Role;
  sessionId: string;
  expiresAt: Date;
}

/** An agent calling the management API with an access token (the management-client pattern). */
export interface AgentPrincipal {
  type: 'agent';
  agentId: string;
  orgId: string;
  clientId: string;
  scopes: readonly string[];
  tokenId: string;
}

/** Gatehouse acting by itself in an org (the CLI, dynamic client registration). */
export interface SystemPrincipal {
  type: 'system';
  /** Names the subsystem in audit records, e.g. `cli` or `registration`. */
  id: string;
  orgId: string;
}

export type Principal = UserPrincipal | AgentPrincipal | SystemPrincipal;

/** Who a principal is, as audit records name actors. */
export const actorOf = (p: Principal): { type: 'user' | 'agent' | 'system'; id: string } =>
  p.type === 'user'
    ? { type: 'user', id: p.userId }
    : p.type === 'agent'
      ? { type: 'agent', id: p.agentId }
      : { type: 'system', id: p.id };

/** The user behind a principal, for created_by columns; null for an agent or the system. */
export const userIdOf = (p: Principal): string | null => (p.type === 'user' ? p.userId : null);

/** Where a request came from, for audit records. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/** What a service needs to know about who asks; routes open to agents take `Ctx<Principal>`. */
export interface Ctx<P extends Principal = UserPrincipal> {
  principal: P;
  meta: RequestMeta;
}
