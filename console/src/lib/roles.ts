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
