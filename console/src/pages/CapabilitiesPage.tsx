import { type ReactNode, useCallback, useMemo } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { ApiError, api } from '../api';
import { useSession } from '../auth/SessionContext';
import { CapabilitiesTable, type CapabilityRow } from '../authz/CapabilitiesTable';
import { HoldersTable } from '../authz/HoldersTable';
import { actionsByCapability } from '../authz/labels';
import type { Catalogue, Holder } from '../authz/types';
import { useAgentIndex } from '../delegations/useAgentIndex';
import { roleAtLeast } from '../lib/roles';
import { useLoader } from '../lib/useLoader';
import { usePageTitle } from '../lib/usePageTitle';
import { Card } from '../ui/Card';
import { EmptyState } from '../ui/EmptyState';
import { ErrorBanner } from '../ui/ErrorBanner';
import { PageHeader } from '../ui/PageHeader';
import { Select } from '../ui/Select';
import { Spinner } from '../ui/Spinner';

interface Loaded {
  catalogue: Catalogue;
  holders: Map<string, Holder[]>;
}

/** The catalogue and, for each capability, who holds it now: one request each, side by side. */
async function loadCapabilities(): Promise<Loaded> {
  const catalogue = await api.getCapabilities();
  const lists = await Promise.all(catalogue.capabilities.map((c) => api.listCapabilityHolders(c)));
  return { catalogue, holders: new Map(catalogue.capabilities.map((c, i) => [c, lists[i]?.items ?? []])) };
}

/**
 * /capabilities — what agents may be granted: each capability, the actions that need it, the agents holding it
 * now and the best of them; a way to an agent's skills. Managers read it; admins grant on the agent's page.
 */
export function CapabilitiesPage() {
  usePageTitle('Capabilities');
  const { org, role } = useSession();
  const canRead = roleAtLeast(role, 'manager');
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const selected = params.get('capability') ?? '';
  const data = useLoader(
    useCallback(
      () => (canRead ? loadCapabilities() : Promise.resolve<Loaded | undefined>(undefined)),
      [canRead],
    ),
  );
  const agents = useAgentIndex();
  const forbidden = !canRead || (data.error instanceof ApiError && data.error.status === 403);

  const rows = useMemo((): CapabilityRow[] => {
    const loaded = data.data;
    if (!loaded) return [];
    const actions = actionsByCapability(loaded.catalogue);
    return loaded.catalogue.capabilities.map((capability) => ({
      capability,
      actions: actions.get(capability) ?? [],
      holders: loaded.holders.get(capability),
    }));
  }, [data.data]);
  const selectedRow = rows.find((r) => r.capability === selected);

  let body: ReactNode;
  if (forbidden) {
    body = (
      <EmptyState
        title="Only managers and admins can see capabilities"
        description="Ask an admin of this organization which agents may do what."
        data-testid="capabilities-forbidden"
      />
    );
  } else if (!data.data) {
    body = data.loading ? (
      <div className="center-block">
        <Spinner label="Loading capabilities" />
      </div>
    ) : null;
  } else {
    body = (
      <CapabilitiesTable
        rows={rows}
        selected={selected}
        onSelect={(c) => setParams(c ? { capability: c } : {}, { replace: true })}
      />
    );
  }

  const agentOptions = [
    { value: '', label: 'Open an agent’s skills…' },
    ...agents.agents.map((a) => ({ value: a.id, label: a.name })),
  ];

  return (
    <>
      <PageHeader
        title="Capabilities"
        description={`What agents of ${org.name} may be granted. An action needs its capability as a live skill, and the policies must permit it.`}
        actions={
          !forbidden && (
            <Select
              label="Open an agent’s skills"
              hideLabel
              compact
              options={agentOptions}
              value=""
              onChange={(e) => e.target.value && navigate(`/agents/${e.target.value}/skills`)}
              data-testid="capabilities-agent-select"
            />
          )
        }
      />
      <div className="stack">
        <Card flush data-testid="capabilities-card">
          {!forbidden && <ErrorBanner error={data.error} onRetry={data.reload} />}
          {body}
        </Card>
        {!forbidden && selectedRow?.holders && (
          <Card
            title={
              <>
                Holders of <span className="mono">{selectedRow.capability}</span>
              </>
            }
            description="Active agents holding it now, most trusted first: the first is the best agent for it."
            flush
            data-testid="holders-card"
          >
            {selectedRow.holders.length ? (
              <HoldersTable holders={selectedRow.holders} />
            ) : (
              <EmptyState
                title="No agent holds it now"
                description="Grant it as a skill on an agent’s skills page."
                data-testid="holders-empty"
              />
            )}
          </Card>
        )}
      </div>
    </>
  );
}
