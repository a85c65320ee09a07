import { Badge, type BadgeTone } from '../ui/Badge';
import { RelativeTime } from '../ui/RelativeTime';
import { type Column, Table } from '../ui/Table';
import type { SigningKey } from './types';

const STATUS: Record<SigningKey['status'], { label: string; tone: BadgeTone }> = {
  pending: { label: 'Pending', tone: 'info' },
  active: { label: 'Active', tone: 'success' },
  retired: { label: 'Retired', tone: 'neutral' },
};

/** The org's published signing keys, newest first: the pending one, the one signing, the retired ones. */
export function KeysTable({ keys }: { keys: readonly SigningKey[] }) {
  const now = Date.now();
  const columns: Column<SigningKey>[] = [
    { key: 'kid', header: 'Key ID', render: (k) => <span className="mono">{k.kid}</span> },
    { key: 'alg', header: 'Algorithm', render: (k) => <span className="mono">{k.alg}</span> },
    {
      key: 'status',
      header: 'Status',
      render: (k) => (
        <span data-testid="key-status" data-status={k.status}>
          <Badge tone={STATUS[k.status]?.tone ?? 'neutral'}>{STATUS[k.status]?.label ?? k.status}</Badge>
        </span>
      ),
    },
    { key: 'created', header: 'Created', render: (k) => <RelativeTime iso={k.created_at} now={now} /> },
    {
      key: 'activates',
      header: 'Signs from',
      render: (k) => <RelativeTime iso={k.activates_at} now={now} />,
    },
    {
      key: 'publish_until',
      header: 'Published until',
      render: (k) =>
        k.publish_until ? (
          <RelativeTime iso={k.publish_until} now={now} />
        ) : (
          <span className="muted">Until replaced</span>
        ),
    },
  ];
  return (
    <Table
      label="Signing keys"
      testId="keys-table"
      columns={columns}
      rows={keys}
      rowKey={(k) => k.kid}
      rowProps={(k) => ({
        'data-testid': 'key-row',
        'data-kid': k.kid,
        'data-status': k.status,
        'data-alg': k.alg,
      })}
    />
  );
}
