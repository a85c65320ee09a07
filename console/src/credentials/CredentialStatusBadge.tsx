import { Badge, type BadgeTone } from '../ui/Badge';
import { STATUS_LABELS } from './labels';
import type { CredentialStatus } from './types';

const TONES: Record<CredentialStatus, BadgeTone> = {
  active: 'success',
  rotating: 'info',
  expired: 'warning',
  revoked: 'danger',
};

export function CredentialStatusBadge({ status }: { status: CredentialStatus }) {
  return (
    <span data-testid="credential-status" data-status={status}>
      <Badge tone={TONES[status] ?? 'neutral'}>{STATUS_LABELS[status] ?? status}</Badge>
    </span>
  );
}
