import { Badge } from '../ui/Badge';
import type { AuditOutcome } from './types';

export function OutcomeBadge({ outcome }: { outcome: AuditOutcome }) {
  return (
    <span data-testid="audit-outcome" data-outcome={outcome}>
      <Badge tone={outcome === 'success' ? 'success' : 'danger'}>
        {outcome === 'success' ? 'Success' : 'Failure'}
      </Badge>
    </span>
  );
}
