import type { AgentStatus } from '../api';
import { STATUS_LABELS } from '../lib/agents';
import { Badge, type BadgeTone } from '../ui/Badge';

const TONES: Record<AgentStatus, BadgeTone> = {
  active: 'success',
  suspended: 'warning',
  archived: 'neutral',
};

export function AgentStatusBadge({ status }: { status: AgentStatus }) {
  return (
    <span data-testid="agent-status" data-status={status}>
      <Badge tone={TONES[status] ?? 'neutral'}>{STATUS_LABELS[status] ?? status}</Badge>
    </span>
  );
}
