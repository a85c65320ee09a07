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

/** Where a request came from, for audit records. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/** What a service needs to know about who asks. */
export interface Ctx {
  principal: UserPrincipal;
  meta: RequestMeta;
}
