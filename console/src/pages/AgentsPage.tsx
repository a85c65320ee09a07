import { useCallback, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { AgentFilterBar, type AgentListFilters } from '../agents/AgentFilterBar';
import { AgentsTable } from '../agents/AgentsTable';
import { CreateAgentDialog } from '../agents/CreateAgentDialog';
import { api } from '../api';
import { useSession } from '../auth/SessionContext';
import { isAgentStatus, NAME_PREFIX } from '../lib/agents';
import { roleAtLeast } from '../lib/roles';
import { useMembers } from '../lib/useMembers';
import { usePagedList } from '../lib/usePagedList';
import { usePageTitle } from '../lib/usePageTitle';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { EmptyState } from '../ui/EmptyState';
import { BotIcon, PlusIcon } from '../ui/icons';
import { PagedListBody } from '../ui/PagedListBody';
import { PageHeader } from '../ui/PageHeader';

/** The filters live in the URL (?status=&owner=&name=), so a filtered list can be linked and returned to. */
function filtersOf(params: URLSearchParams): AgentListFilters {
  const status = params.get('status') ?? '';
  const owner = params.get('owner') ?? '';
  const name = (params.get('name') ?? '').toLowerCase();
  return {
    status: isAgentStatus(status) ? status : '',
    owner: /^usr_[0-9a-z]{26}$/.test(owner) ? owner : '',
    name: NAME_PREFIX.test(name) ? name : '',
  };
}

export function AgentsPage() {
  usePageTitle('Agents');
  const { org, role } = useSession();
  const canCreate = roleAtLeast(role, 'manager');
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [creating, setCreating] = useState(false);
  // Remounts the filter bar when the filters are cleared from outside it, so its search box empties too.
  const [filterBarKey, setFilterBarKey] = useState(0);
  const members = useMembers();

  const filters = filtersOf(params);
  const { status, owner, name } = filters;
  const filtered = Boolean(status || owner || name);
  const agents = usePagedList(
    useCallback(
      (cursor: string | null) =>
        api.listAgents({ status: status || undefined, owner, name_prefix: name }, cursor),
      [status, owner, name],
    ),
  );

  function changeFilters(change: Partial<AgentListFilters>) {
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        for (const [key, value] of Object.entries(change)) {
          if (value) next.set(key, value);
          else next.delete(key);
        }
        return next;
      },
      { replace: true },
    );
  }

  function clearFilters() {
    setParams({}, { replace: true });
    setFilterBarKey((k) => k + 1);
  }

  const createButton = (testId: string) => (
    <Button variant="primary" onClick={() => setCreating(true)} data-testid={testId}>
      <PlusIcon />
      Create agent
    </Button>
  );

  const empty = filtered ? (
    <EmptyState
      title="No agents match these filters"
      description="Try another status, owner or name."
      action={<Button onClick={clearFilters}>Clear filters</Button>}
      data-testid="agents-empty"
    />
  ) : (
    <EmptyState
      icon={<BotIcon />}
      title="No agents yet"
      description="Agents are the identities your AI workloads use to get short-lived, scoped tokens."
      action={canCreate ? createButton('agent-create-empty') : undefined}
      data-testid="agents-empty"
    />
  );

  return (
    <>
      <PageHeader
        title="Agents"
        description={`The agent identities of ${org.name}: who owns them, which scopes they may get, and what they run.`}
        actions={canCreate && createButton('agent-create')}
      />
      {!canCreate && (
        <p className="notice" data-testid="read-only-notice">
          You have read-only access to agents. Managers and admins can create and change them.
        </p>
      )}
      <Card flush data-testid="agents-card">
        <AgentFilterBar key={filterBarKey} filters={filters} onChange={changeFilters} members={members} />
        <PagedListBody list={agents} loadingLabel="Loading agents" empty={empty}>
          <AgentsTable agents={agents.items} members={members} />
        </PagedListBody>
      </Card>
      {creating && (
        <CreateAgentDialog
          onClose={() => setCreating(false)}
          onCreated={(agent) => navigate(`/agents/${agent.id}`)}
        />
      )}
    </>
  );
}
