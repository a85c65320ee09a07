import { formatDateTime } from '../lib/format';
import { Button } from '../ui/Button';
import { RelativeTime } from '../ui/RelativeTime';
import { type Column, Table } from '../ui/Table';
import { CredentialStatusBadge } from './CredentialStatusBadge';
import { canRotate, identifierOf, TYPE_LABELS } from './labels';
import type { Credential } from './types';

export interface CredentialsTableProps {
  credentials: readonly Credential[];
  /** Rotate, for managers and admins on an agent that is not archived. */
  canEdit: boolean;
  canRevoke: boolean;
  onRotate: (credential: Credential) => void;
  onRevoke: (credential: Credential) => void;
}

const never = <span className="muted">Never</span>;

/** An agent's credentials: what identifies each and its state. The API never lists a secret. */
export function CredentialsTable({
  credentials,
  canEdit,
  canRevoke,
  onRotate,
  onRevoke,
}: CredentialsTableProps) {
  const now = Date.now();
  const columns: Column<Credential>[] = [
    { key: 'type', header: 'Type', render: (c) => TYPE_LABELS[c.type] ?? c.type },
    {
      key: 'identifier',
      header: 'Client ID or key',
      render: (c) => (
        <span className="mono" title={c.jwks_uri ?? undefined} data-testid="credential-identifier">
          {identifierOf(c)}
        </span>
      ),
    },
    {
      key: 'status',
      header: 'Status',
      render: (c) => (
        <span className="person-line">
          <CredentialStatusBadge status={c.status} />
          {c.previous_valid_until && (
            <span className="muted" title={formatDateTime(c.previous_valid_until)}>
              old secret until <RelativeTime iso={c.previous_valid_until} now={now} />
            </span>
          )}
        </span>
      ),
    },
    { key: 'created', header: 'Created', render: (c) => <RelativeTime iso={c.created_at} now={now} /> },
    {
      key: 'used',
      header: 'Last used',
      render: (c) => (c.last_used_at ? <RelativeTime iso={c.last_used_at} now={now} /> : never),
    },
    {
      key: 'expires',
      header: 'Expires',
      render: (c) => (c.expires_at ? <RelativeTime iso={c.expires_at} now={now} /> : never),
    },
  ];
  if (canEdit || canRevoke) {
    columns.push({
      key: 'actions',
      header: <span className="sr-only">Actions</span>,
      align: 'right',
      render: (c) => (
        <>
          {canEdit && canRotate(c) && (
            <Button size="sm" variant="ghost" onClick={() => onRotate(c)} data-testid="credential-rotate">
              Rotate
            </Button>
          )}
          {canRevoke && c.status !== 'revoked' && (
            <Button
              size="sm"
              variant="ghost"
              className="btn-danger-text"
              onClick={() => onRevoke(c)}
              data-testid="credential-revoke"
            >
              Revoke
            </Button>
          )}
        </>
      ),
    });
  }
  return (
    <Table
      label="Credentials"
      testId="credentials-table"
      columns={columns}
      rows={credentials}
      rowKey={(c) => c.id}
      rowProps={(c) => ({
        'data-testid': 'credential-row',
        'data-id': c.id,
        'data-type': c.type,
        'data-status': c.status,
      })}
    />
  );
}
