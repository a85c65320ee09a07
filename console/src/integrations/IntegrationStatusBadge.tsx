import { Badge } from '../ui/Badge';
import { STATUS_LABELS } from './labels';
import type { IntegrationStatus } from './types';

export function IntegrationStatusBadge({ status }: { status: IntegrationStatus }) {
  return (
    <span data-testid="integration-status" data-status={status}>
      <Badge tone={status === 'active' ? 'success' : 'neutral'}>{STATUS_LABELS[status] ?? status}</Badge>
    </span>
  );
}

/** Says a credential is stored, and when it was set: never what it is. */
export function CredentialSetBadge({ at }: { at: string }) {
  return (
    <span data-testid="integration-credential" title={`Set ${new Date(at).toLocaleString()}`}>
      <Badge tone="info">Credential set</Badge>
    </span>
  );
}
