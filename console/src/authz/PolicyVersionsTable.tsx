import { OwnerName } from '../agents/OwnerName';
import type { Members } from '../lib/useMembers';
import { Badge } from '../ui/Badge';
import { Button } from '../ui/Button';
import { RelativeTime } from '../ui/RelativeTime';
import { type Column, Table } from '../ui/Table';
import type { PolicyVersion } from './types';

export interface PolicyVersionsTableProps {
  versions: readonly PolicyVersion[];
  current: number;
  members: Members;
  onView: (version: PolicyVersion) => void;
}

/** Every saved version of the policy set, newest first; the newest is the one in force. */
export function PolicyVersionsTable({ versions, current, members, onView }: PolicyVersionsTableProps) {
  const now = Date.now();
  const columns: Column<PolicyVersion>[] = [
    {
      key: 'version',
      header: 'Version',
      render: (v) => (
        <span className="person-line">
          <span data-testid="policy-version-number">{v.version}</span>
          {v.version === current && <Badge tone="success">In force</Badge>}
        </span>
      ),
    },
    {
      key: 'note',
      header: 'Note',
      render: (v) =>
        v.note ? (
          <span data-testid="policy-version-note">{v.note}</span>
        ) : (
          <span className="muted">None</span>
        ),
    },
    {
      key: 'policies',
      header: 'Policies',
      render: (v) => (
        <span className="muted" title={v.policies.map((p) => `${p.effect} ${p.id}`).join('\n')}>
          {v.policies.length === 1 ? '1 policy' : `${v.policies.length} policies`}
        </span>
      ),
    },
    { key: 'by', header: 'Saved by', render: (v) => <OwnerName id={v.created_by} members={members} /> },
    { key: 'at', header: 'Saved', render: (v) => <RelativeTime iso={v.created_at} now={now} /> },
    {
      key: 'actions',
      header: <span className="sr-only">Actions</span>,
      align: 'right',
      render: (v) => (
        <Button size="sm" variant="ghost" onClick={() => onView(v)} data-testid="policy-version-view">
          View
        </Button>
      ),
    },
  ];
  return (
    <Table
      label="Policy versions"
      testId="policy-versions-table"
      columns={columns}
      rows={versions}
      rowKey={(v) => String(v.version)}
      rowProps={(v) => ({ 'data-testid': 'policy-version-row', 'data-version': String(v.version) })}
    />
  );
}
