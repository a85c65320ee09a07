import { Link } from 'react-router';
import { OwnerName } from '../agents/OwnerName';
import type { Members } from '../lib/useMembers';
import { Button } from '../ui/Button';
import { ChipList } from '../ui/ChipList';
import { RelativeTime } from '../ui/RelativeTime';
import { type Column, Table } from '../ui/Table';
import { DelegationStatusBadge } from './DelegationStatusBadge';
import type { Delegation } from './types';
import type { AgentIndex } from './useAgentIndex';

/** An agent by name, linked to its page; an id the index does not know (archived, or gone) as itself. */
function AgentName({ id, agents, testId }: { id: string; agents: AgentIndex; testId: string }) {
  const agent = agents.byId(id);
  if (!agent) {
    return (
      <span className="mono muted" title="Archived, or not in this organization" data-testid={testId}>
        {agents.loading ? '…' : id}
      </span>
    );
  }
  return (
    <Link
      to={`/agents/${agent.id}`}
      className="mono agent-link"
      title={agent.display_name}
      data-testid={testId}
    >
      {agent.name}
    </Link>
  );
}

export interface DelegationsTableProps {
  grants: readonly Delegation[];
  agents: AgentIndex;
  members: Members;
  canRevoke: boolean;
  onRevoke: (grant: Delegation) => void;
}

/** Who may act for whom: the actor agent, the agent or user it acts for, and the grant's limits. */
export function DelegationsTable({ grants, agents, members, canRevoke, onRevoke }: DelegationsTableProps) {
  const now = Date.now();
  const columns: Column<Delegation>[] = [
    {
      key: 'actor',
      header: 'Actor',
      render: (g) => <AgentName id={g.actor_agent_id} agents={agents} testId="delegation-actor" />,
    },
    {
      key: 'subject',
      header: 'Acts for',
      render: (g) => (
        <span className="person-line">
          <span className="muted">{g.subject.type === 'agent' ? 'Agent' : 'User'}</span>
          {g.subject.type === 'agent' ? (
            <AgentName id={g.subject.id} agents={agents} testId="delegation-subject" />
          ) : (
            <span data-testid="delegation-subject">
              <OwnerName id={g.subject.id} members={members} />
            </span>
          )}
        </span>
      ),
    },
    {
      key: 'scopes',
      header: 'Scopes',
      render: (g) =>
        g.scopes === null ? (
          <span className="muted" data-testid="delegation-scopes-any">
            Any the subject has
          </span>
        ) : (
          <ChipList items={g.scopes} empty="None" testId="delegation-scopes" />
        ),
    },
    {
      key: 'depth',
      header: 'Max depth',
      align: 'right',
      render: (g) => <span data-testid="delegation-depth">{g.max_depth}</span>,
    },
    {
      key: 'expires',
      header: 'Expires',
      render: (g) =>
        g.expires_at ? (
          <span data-testid="delegation-expires">
            <RelativeTime iso={g.expires_at} now={now} />
          </span>
        ) : (
          <span className="muted" data-testid="delegation-expires">
            Never
          </span>
        ),
    },
    { key: 'status', header: 'Status', render: (g) => <DelegationStatusBadge status={g.status} /> },
    { key: 'created', header: 'Created', render: (g) => <RelativeTime iso={g.created_at} now={now} /> },
  ];
  if (canRevoke) {
    columns.push({
      key: 'actions',
      header: <span className="sr-only">Actions</span>,
      align: 'right',
      render: (g) =>
        g.status === 'active' && (
          <Button
            size="sm"
            variant="ghost"
            className="btn-danger-text"
            onClick={() => onRevoke(g)}
            data-testid="delegation-revoke"
          >
            Revoke
          </Button>
        ),
    });
  }
  return (
    <Table
      label="Delegation grants"
      testId="delegations-table"
      columns={columns}
      rows={grants}
      rowKey={(g) => g.id}
      rowProps={(g) => ({ 'data-testid': 'delegation-row', 'data-id': g.id, 'data-status': g.status })}
    />
  );
}
