import type { Invitation, Member } from '../api';
import { formatDateTime, formatRelative } from '../lib/format';
import { Badge } from '../ui/Badge';
import { Button } from '../ui/Button';
import { RelativeTime } from '../ui/RelativeTime';
import { RoleBadge } from '../ui/RoleBadge';
import { type Column, Table } from '../ui/Table';

export interface InvitationsTableProps {
  invitations: readonly Invitation[];
  members: readonly Member[];
  canManage: boolean;
  onRevoke: (invitation: Invitation) => void;
}

function inviterName(by: string | null, members: readonly Member[]): string | null {
  if (!by) return null;
  const member = members.find((m) => m.id === by);
  return member ? member.name || member.email : null;
}

export function InvitationsTable({ invitations, members, canManage, onRevoke }: InvitationsTableProps) {
  const now = Date.now();
  const columns: Column<Invitation>[] = [
    { key: 'email', header: 'Email', render: (i) => <span className="person-name">{i.email}</span> },
    { key: 'role', header: 'Role', render: (i) => <RoleBadge role={i.role} /> },
    {
      key: 'expires',
      header: 'Expires',
      render: (i) =>
        new Date(i.expires_at).getTime() <= now ? (
          <Badge tone="warning">Expired</Badge>
        ) : (
          <RelativeTime iso={i.expires_at} now={now} />
        ),
    },
    {
      key: 'invited',
      header: 'Invited',
      render: (i) => {
        const by = inviterName(i.invited_by, members);
        return (
          <span title={formatDateTime(i.created_at)}>
            {formatRelative(i.created_at, now)}
            {by && <span className="muted"> by {by}</span>}
          </span>
        );
      },
    },
  ];
  if (canManage) {
    columns.push({
      key: 'actions',
      header: <span className="sr-only">Actions</span>,
      align: 'right',
      render: (i) => (
        <Button
          size="sm"
          variant="ghost"
          className="btn-danger-text"
          onClick={() => onRevoke(i)}
          aria-label={`Revoke invitation for ${i.email}`}
          data-testid="invitation-revoke"
        >
          Revoke
        </Button>
      ),
    });
  }
  return (
    <Table
      label="Pending invitations"
      testId="invitations-table"
      columns={columns}
      rows={invitations}
      rowKey={(i) => i.id}
      rowProps={(i) => ({ 'data-testid': 'invitation-row', 'data-email': i.email, 'data-role': i.role })}
    />
  );
}
