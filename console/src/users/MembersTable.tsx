import type { Member, Role } from '../api';
import { formatDate, formatDateTime } from '../lib/format';
import { isRole, ROLE_OPTIONS } from '../lib/roles';
import { Avatar } from '../ui/Avatar';
import { Badge } from '../ui/Badge';
import { Button } from '../ui/Button';
import { RelativeTime } from '../ui/RelativeTime';
import { RoleBadge } from '../ui/RoleBadge';
import { Select } from '../ui/Select';
import { Spinner } from '../ui/Spinner';
import { type Column, Table } from '../ui/Table';

export interface MembersTableProps {
  members: readonly Member[];
  currentUserId: string;
  canManage: boolean;
  /** Members with a role change in flight. */
  pending: ReadonlySet<string>;
  onChangeRole: (member: Member, role: Role) => void;
  onRemove: (member: Member) => void;
}

export function MembersTable({
  members,
  currentUserId,
  canManage,
  pending,
  onChangeRole,
  onRemove,
}: MembersTableProps) {
  const columns: Column<Member>[] = [
    {
      key: 'member',
      header: 'Member',
      render: (m) => (
        <span className="person">
          <Avatar name={m.name} email={m.email} size="sm" />
          <span className="person-text">
            <span className="person-line">
              <span className="person-name">{m.name || m.email}</span>
              {m.id === currentUserId && <Badge>You</Badge>}
            </span>
            <span className="person-email">{m.email}</span>
          </span>
        </span>
      ),
    },
    {
      key: 'role',
      header: 'Role',
      render: (m) =>
        canManage ? (
          <span className="role-cell">
            <Select
              label={`Role for ${m.email}`}
              hideLabel
              compact
              options={ROLE_OPTIONS}
              value={m.role}
              disabled={pending.has(m.id)}
              onChange={(e) => isRole(e.target.value) && onChangeRole(m, e.target.value)}
              data-testid="member-role-select"
            />
            {pending.has(m.id) && <Spinner size="sm" label="Saving role" />}
          </span>
        ) : (
          <RoleBadge role={m.role} />
        ),
    },
    {
      key: 'joined',
      header: 'Joined',
      render: (m) => <span title={formatDateTime(m.joined_at)}>{formatDate(m.joined_at)}</span>,
    },
    {
      key: 'last_login',
      header: 'Last login',
      render: (m) =>
        m.last_login_at ? <RelativeTime iso={m.last_login_at} /> : <span className="muted">Never</span>,
    },
  ];
  if (canManage) {
    columns.push({
      key: 'actions',
      header: <span className="sr-only">Actions</span>,
      align: 'right',
      render: (m) => (
        <Button
          size="sm"
          variant="ghost"
          className="btn-danger-text"
          onClick={() => onRemove(m)}
          disabled={m.id === currentUserId}
          title={m.id === currentUserId ? 'You cannot remove yourself' : undefined}
          aria-label={`Remove ${m.email}`}
          data-testid="member-remove"
        >
          Remove
        </Button>
      ),
    });
  }
  return (
    <Table
      label="Members"
      testId="members-table"
      columns={columns}
      rows={members}
      rowKey={(m) => m.id}
      rowProps={(m) => ({ 'data-testid': 'member-row', 'data-email': m.email, 'data-role': m.role })}
    />
  );
}
