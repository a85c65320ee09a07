import type { Role } from '../api';

export const ROLES: readonly Role[] = ['admin', 'manager', 'member', 'viewer'];

export const ROLE_LABELS: Record<Role, string> = {
  admin: 'Admin',
  manager: 'Manager',
  member: 'Member',
  viewer: 'Viewer',
};

export const ROLE_OPTIONS = ROLES.map((role) => ({ value: role, label: ROLE_LABELS[role] }));

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

const RANK: Record<Role, number> = { viewer: 0, member: 1, manager: 2, admin: 3 };

/** True when `role` is `min` or above it (admin > manager > member > viewer), as the server checks. */
export function roleAtLeast(role: Role, min: Role): boolean {
  return RANK[role] >= RANK[min];
}
