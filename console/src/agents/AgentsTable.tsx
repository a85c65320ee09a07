import { Link } from 'react-router';
import type { Agent } from '../api';
import type { Members } from '../lib/useMembers';
import { RelativeTime } from '../ui/RelativeTime';
import { type Column, Table } from '../ui/Table';
import { AgentStatusBadge } from './AgentStatusBadge';
import { OwnerName } from './OwnerName';

export function AgentsTable({ agents, members }: { agents: readonly Agent[]; members: Members }) {
  const now = Date.now();
  const columns: Column<Agent>[] = [
    {
      key: 'name',
      header: 'Name',
      render: (a) => (
        <Link to={`/agents/${a.id}`} className="mono agent-link" data-testid="agent-link">
          {a.name}
        </Link>
      ),
    },
    { key: 'display_name', header: 'Display name', render: (a) => a.display_name },
    { key: 'status', header: 'Status', render: (a) => <AgentStatusBadge status={a.status} /> },
    { key: 'owner', header: 'Owner', render: (a) => <OwnerName id={a.owner} members={members} /> },
    {
      key: 'scopes',
      header: 'Scopes',
      align: 'right',
      render: (a) => (
        <span title={a.allowed_scopes.join(' ') || 'No scopes'} data-testid="agent-scopes-count">
          {a.allowed_scopes.length}
        </span>
      ),
    },
    { key: 'updated', header: 'Updated', render: (a) => <RelativeTime iso={a.updated_at} now={now} /> },
  ];
  return (
    <Table
      label="Agents"
      testId="agents-table"
      columns={columns}
      rows={agents}
      rowKey={(a) => a.id}
      rowProps={(a) => ({ 'data-testid': 'agent-row', 'data-name': a.name, 'data-status': a.status })}
    />
  );
}
