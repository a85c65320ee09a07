import { Badge, type BadgeTone } from '../ui/Badge';
import { STATUS_LABELS } from './labels';
import type { DelegationStatus } from './types';

const TONES: Record<DelegationStatus, BadgeTone> = {
  active: 'success',
  expired: 'warning',
  revoked: 'danger',
};

export function DelegationStatusBadge({ status }: { status: DelegationStatus }) {
  return (
    <span data-testid="delegation-status" data-status={status}>
      <Badge tone={TONES[status] ?? 'neutral'}>{STATUS_LABELS[status] ?? status}</Badge>
    </span>
  );
}
