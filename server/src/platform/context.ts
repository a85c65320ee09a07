import type { Role } from './db/tables.js';

/** An actor in a delegation chain (RFC 8693 §4.1): who acted, and who it acted for before. */
export interface ActClaim {
  sub: string;
  client_id?: string;
  act?: ActClaim;
}

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
  /** When the token was delegated: the agent acting for `agentId`, and those before it. */
  act?: ActClaim;
}

/** Gatehouse acting by itself in an org (the CLI, dynamic client registration). */
export interface SystemPrincipal {
  type: 'system';
  /** Names the subsystem in audit records, e.g. `cli` or `registration`. */
  id: string;
  orgId: string;
}

export type Principal = UserPrincipal | AgentPrincipal | SystemPrincipal;

/**
 * Who acted, as audit records name actors: for a delegated token the agent that made the call,
 * with the chain from the subject it acted for (the token's sub and act claims).
 */
export function actorOf(p: Principal): {
  type: 'user' | 'agent' | 'system';
  id: string;
  chain?: { sub: string; act: ActClaim };
} {
  if (p.type === 'user') return { type: 'user', id: p.userId };
  if (p.type === 'system') return { type: 'system', id: p.id };
  return p.act
    ? { type: 'agent', id: p.act.sub, chain: { sub: p.agentId, act: p.act } }
    : { type: 'agent', id: p.agentId };
}

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
