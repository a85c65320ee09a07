import { Badge, type BadgeTone } from '../ui/Badge';
import type { ControlStatus } from './types';

const STATUS: Record<ControlStatus, { label: string; tone: BadgeTone }> = {
  pass: { label: 'Pass', tone: 'success' },
  fail: { label: 'Fail', tone: 'danger' },
  not_applicable: { label: 'N/A', tone: 'neutral' },
};

export function ControlStatusBadge({ status }: { status: ControlStatus }) {
  const s = STATUS[status] ?? { label: status, tone: 'neutral' };
  return (
    <span
      data-testid="control-status"
      data-status={status}
      title={status === 'not_applicable' ? 'Not applicable' : undefined}
    >
      <Badge tone={s.tone}>{s.label}</Badge>
    </span>
  );
}
