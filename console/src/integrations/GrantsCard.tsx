import { useCallback, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../api';
import type { AgentIndex } from '../delegations/useAgentIndex';
import { usePagedList } from '../lib/usePagedList';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { EmptyState } from '../ui/EmptyState';
import { ErrorBanner } from '../ui/ErrorBanner';
import { PagedListBody } from '../ui/PagedListBody';
import { RelativeTime } from '../ui/RelativeTime';
import { Select } from '../ui/Select';
import { type Column, Table } from '../ui/Table';
import type { Integration, IntegrationGrant } from './types';

export interface GrantsCardProps {
  integration: Integration;
  agents: AgentIndex;
}

/** The agents that may call the integration through the gateway: grant one, or take a grant away. */
export function GrantsCard({ integration, agents }: GrantsCardProps) {
  const grants = usePagedList(
    useCallback(
      (cursor: string | null) => api.listIntegrationGrants(integration.id, cursor),
      [integration.id],
    ),
  );
  const [choice, setChoice] = useState('');
  const [granting, setGranting] = useState(false);
  const [grantError, setGrantError] = useState<unknown>(null);
  const [removing, setRemoving] = useState<IntegrationGrant | null>(null);
  const granted = new Set(grants.items.map((g) => g.agent_id));
  const options = [
    { value: '', label: 'Choose an agent…' },
    ...agents.agents.filter((a) => !granted.has(a.id)).map((a) => ({ value: a.id, label: a.name })),
  ];

  async function grant() {
    if (!choice) return;
    setGranting(true);
    setGrantError(null);
    try {
      await api.grantIntegration(integration.id, choice);
      setChoice('');
      grants.reload();
    } catch (err) {
      setGrantError(err);
    } finally {
      setGranting(false);
    }
  }

  const nameOf = (id: string) => agents.byId(id)?.name;
  const columns: Column<IntegrationGrant>[] = [
    {
      key: 'agent',
      header: 'Agent',
      render: (g) => {
        const name = nameOf(g.agent_id);
        return name ? (
          <Link
            to={`/agents/${g.agent_id}`}
            className="mono agent-link"
            data-testid="integration-grant-agent"
          >
            {name}
          </Link>
        ) : (
          <span className="mono muted" data-testid="integration-grant-agent">
            {agents.loading ? '…' : g.agent_id}
          </span>
        );
      },
    },
    { key: 'at', header: 'Granted', render: (g) => <RelativeTime iso={g.created_at} /> },
    {
      key: 'actions',
      header: <span className="sr-only">Actions</span>,
      align: 'right',
      render: (g) => (
        <Button
          size="sm"
          variant="ghost"
          className="btn-danger-text"
          onClick={() => setRemoving(g)}
          data-testid="integration-grant-remove"
        >
          Remove
        </Button>
      ),
    },
  ];

  return (
    <Card
      title="Agents"
      description="Agents granted here may call the integration through the gateway, if they also hold the integration_execute skill and the policies permit integration.call."
      flush
      data-testid="integration-grants-card"
    >
      <form
        className="filter-bar"
        onSubmit={(e) => {
          e.preventDefault();
          void grant();
        }}
      >
        <Select
          label="Agent to grant"
          hideLabel
          compact
          options={options}
          value={choice}
          onChange={(e) => setChoice(e.target.value)}
          data-testid="integration-grant-select"
        />
        <Button type="submit" loading={granting} disabled={!choice} data-testid="integration-grant-add">
          Grant
        </Button>
      </form>
      <PagedListBody
        list={grants}
        loadingLabel="Loading grants"
        banners={<ErrorBanner error={grantError} onDismiss={() => setGrantError(null)} />}
        empty={
          <EmptyState
            title="No agent may call it yet"
            description="Grant it to the agents that need it."
            data-testid="integration-grants-empty"
          />
        }
      >
        <Table
          label="Granted agents"
          testId="integration-grants-table"
          columns={columns}
          rows={grants.items}
          rowKey={(g) => g.agent_id}
          rowProps={(g) => ({ 'data-testid': 'integration-grant-row', 'data-agent': g.agent_id })}
        />
      </PagedListBody>
      {removing && (
        <ConfirmDialog
          title="Remove this agent’s grant?"
          confirmLabel="Remove grant"
          destructive
          onConfirm={async () => {
            await api.revokeIntegrationGrant(integration.id, removing.agent_id);
            grants.reload();
          }}
          onClose={() => setRemoving(null)}
        >
          <p>
            <span className="mono">{nameOf(removing.agent_id) ?? removing.agent_id}</span> can no longer call{' '}
            <span className="mono">{integration.name}</span>, on every node at once.
          </p>
        </ConfirmDialog>
      )}
    </Card>
  );
}
