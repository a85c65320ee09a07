import { Link } from 'react-router';
import { type Column, Table } from '../ui/Table';
import { CredentialSetBadge, IntegrationStatusBadge } from './IntegrationStatusBadge';
import { authSummary } from './labels';
import type { Integration } from './types';

/** The org's integrations: name (the gateway's path), where they point, how the gateway authenticates. */
export function IntegrationsTable({ integrations }: { integrations: readonly Integration[] }) {
  const columns: Column<Integration>[] = [
    {
      key: 'name',
      header: 'Name',
      render: (i) => (
        <span className="person-text">
          <Link to={`/integrations/${i.id}`} className="mono agent-link" data-testid="integration-name">
            {i.name}
          </Link>
          {i.display_name !== i.name && <span className="muted">{i.display_name}</span>}
        </span>
      ),
    },
    {
      key: 'url',
      header: 'Base URL',
      render: (i) => (
        <span className="mono" data-testid="integration-url">
          {i.base_url}
        </span>
      ),
    },
    {
      key: 'auth',
      header: 'Auth',
      render: (i) => (
        <span className="person-line">
          <span data-testid="integration-auth">{authSummary(i)}</span>
          {i.auth.credential_set && <CredentialSetBadge at={i.auth.credential_updated_at} />}
        </span>
      ),
    },
    {
      key: 'limit',
      header: 'Rate limit',
      align: 'right',
      render: (i) => (i.rate_limit_rpm ? `${i.rate_limit_rpm}/min` : <span className="muted">None</span>),
    },
    { key: 'status', header: 'Status', render: (i) => <IntegrationStatusBadge status={i.status} /> },
  ];
  return (
    <Table
      label="Integrations"
      testId="integrations-table"
      columns={columns}
      rows={integrations}
      rowKey={(i) => i.id}
      rowProps={(i) => ({
        'data-testid': 'integration-row',
        'data-id': i.id,
        'data-name': i.name,
        'data-status': i.status,
      })}
    />
  );
}
