import { Badge, type BadgeTone } from '../ui/Badge';
import type { AccessTokenStatus } from './types';

const STATUS: Record<AccessTokenStatus, { label: string; tone: BadgeTone }> = {
  active: { label: 'Active', tone: 'success' },
  expired: { label: 'Expired', tone: 'warning' },
  used_up: { label: 'Used up', tone: 'neutral' },
  revoked: { label: 'Revoked', tone: 'danger' },
};

export function AccessTokenStatusBadge({ status }: { status: AccessTokenStatus }) {
  return (
    <span data-testid="iat-status" data-status={status}>
      <Badge tone={STATUS[status]?.tone ?? 'neutral'}>{STATUS[status]?.label ?? status}</Badge>
    </span>
  );
}
