import type { Role } from '../api';
import { ROLE_LABELS } from '../lib/roles';
import { Badge, type BadgeTone } from './Badge';

const TONES: Record<Role, BadgeTone> = {
  admin: 'primary',
  manager: 'info',
  member: 'success',
  viewer: 'neutral',
};

export function RoleBadge({ role }: { role: Role }) {
  return (
    <span data-testid="role-badge" data-role={role}>
      <Badge tone={TONES[role] ?? 'neutral'}>{ROLE_LABELS[role] ?? role}</Badge>
    </span>
  );
}
