import { Button } from '../ui/Button';
import { RelativeTime } from '../ui/RelativeTime';
import { type Column, Table } from '../ui/Table';
import { AccessTokenStatusBadge } from './AccessTokenStatusBadge';
import type { AccessToken } from './types';

export interface AccessTokensTableProps {
  tokens: readonly AccessToken[];
  onRevoke: (token: AccessToken) => void;
}

/** Initial access tokens with their limits and use; only an active one can be revoked. */
export function AccessTokensTable({ tokens, onRevoke }: AccessTokensTableProps) {
  const now = Date.now();
  const columns: Column<AccessToken>[] = [
    { key: 'id', header: 'ID', render: (t) => <span className="mono">{t.id}</span> },
    { key: 'status', header: 'Status', render: (t) => <AccessTokenStatusBadge status={t.status} /> },
    { key: 'created', header: 'Created', render: (t) => <RelativeTime iso={t.created_at} now={now} /> },
    { key: 'expires', header: 'Expires', render: (t) => <RelativeTime iso={t.expires_at} now={now} /> },
    { key: 'uses', header: 'Uses', render: (t) => <span data-testid="iat-uses">{t.uses}</span> },
    {
      key: 'max_uses',
      header: 'Max uses',
      render: (t) => (t.max_uses === null ? <span className="muted">No limit</span> : t.max_uses),
    },
    {
      key: 'actions',
      header: <span className="sr-only">Actions</span>,
      align: 'right',
      render: (t) =>
        t.status === 'active' && (
          <Button
            size="sm"
            variant="ghost"
            className="btn-danger-text"
            onClick={() => onRevoke(t)}
            data-testid="iat-revoke"
          >
            Revoke
          </Button>
        ),
    },
  ];
  return (
    <Table
      label="Initial access tokens"
      testId="iat-table"
      columns={columns}
      rows={tokens}
      rowKey={(t) => t.id}
      rowProps={(t) => ({ 'data-testid': 'iat-row', 'data-id': t.id, 'data-status': t.status })}
    />
  );
}
