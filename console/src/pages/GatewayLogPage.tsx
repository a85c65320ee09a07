import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { ApiError, api } from '../api';
import { useSession } from '../auth/SessionContext';
import { useAgentIndex } from '../delegations/useAgentIndex';
import { GatewayCallsTable } from '../gateway/GatewayCallsTable';
import { callOf, GATEWAY_ACTION, type GatewayCall } from '../gateway/types';
import type { Integration } from '../integrations/types';
import { useLoader } from '../lib/useLoader';
import { usePagedList } from '../lib/usePagedList';
import { usePageTitle } from '../lib/usePageTitle';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { EmptyState } from '../ui/EmptyState';
import { ActivityIcon } from '../ui/icons';
import { PagedListBody } from '../ui/PagedListBody';
import { PageHeader } from '../ui/PageHeader';
import { Select } from '../ui/Select';

/** Rows per page: a screenful. */
export const GATEWAY_PAGE_SIZE = 25;
const MAX_PAGES = 10;

/** Every integration (pages of 200), for the filter and its labels. */
async function loadIntegrations(): Promise<Integration[]> {
  const out: Integration[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, next_cursor } = await api.listIntegrations(cursor, 200);
    out.push(...items);
    cursor = next_cursor;
    if (!cursor) break;
  }
  return out;
}

/**
 * /gateway-log — the calls agents made through the gateway: the audit log's `gateway.called` records, with what
 * the gateway wrote of each (status, duration, bytes). Filtered by integration (?integration=) and agent (?agent=).
 */
export function GatewayLogPage() {
  usePageTitle('Gateway calls');
  const { org, role } = useSession();
  const isAdmin = role === 'admin';
  const [params, setParams] = useSearchParams();
  const integration = params.get('integration') ?? '';
  const agent = params.get('agent') ?? '';
  const agents = useAgentIndex();
  const integrations = useLoader(
    useCallback(() => (isAdmin ? loadIntegrations() : Promise.resolve([])), [isAdmin]),
  );
  const records = usePagedList(
    useCallback(
      (cursor: string | null) =>
        isAdmin
          ? api.listAudit(
              { action: GATEWAY_ACTION, target: integration, actor: agent },
              cursor,
              GATEWAY_PAGE_SIZE,
            )
          : Promise.resolve({ items: [], next_cursor: null }),
      [isAdmin, integration, agent],
    ),
  );
  const calls = useMemo((): GatewayCall[] => records.items.map(callOf), [records.items]);
  const forbidden = !isAdmin || (records.error instanceof ApiError && records.error.status === 403);
  const filtered = integration !== '' || agent !== '';

  function filter(key: 'integration' | 'agent', value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  }

  const integrationOptions = [
    { value: '', label: 'Any integration' },
    ...(integrations.data ?? []).map((i) => ({ value: i.id, label: i.name })),
  ];
  // A filter from a link may name an integration deleted since: keep it choosable, by id.
  if (integration && !integrationOptions.some((o) => o.value === integration))
    integrationOptions.push({ value: integration, label: integration });
  const agentOptions = [
    { value: '', label: 'Any agent' },
    ...agents.agents.map((a) => ({ value: a.id, label: a.name })),
  ];
  if (agent && !agentOptions.some((o) => o.value === agent))
    agentOptions.push({ value: agent, label: agent });

  const empty = filtered ? (
    <EmptyState
      title="No calls match these filters"
      action={<Button onClick={() => setParams({}, { replace: true })}>Show all</Button>}
      data-testid="gateway-log-empty"
    />
  ) : (
    <EmptyState
      icon={<ActivityIcon />}
      title="No gateway calls yet"
      description="Each call an agent makes through /v1/gateway/{integration}/… is recorded here."
      data-testid="gateway-log-empty"
    />
  );

  return (
    <>
      <PageHeader
        title="Gateway calls"
        description={`Calls agents of ${org.name} made to integrations through the gateway, newest first, from the audit log.`}
      />
      <Card flush data-testid="gateway-log-card">
        {forbidden ? (
          <EmptyState
            title="Only admins can see gateway calls"
            description="Ask an admin of this organization what your agents called."
            data-testid="gateway-log-forbidden"
          />
        ) : (
          <>
            <div className="filter-bar">
              <Select
                label="Integration"
                hideLabel
                compact
                options={integrationOptions}
                value={integration}
                onChange={(e) => filter('integration', e.target.value)}
                data-testid="gateway-log-filter-integration"
              />
              <Select
                label="Agent"
                hideLabel
                compact
                options={agentOptions}
                value={agent}
                onChange={(e) => filter('agent', e.target.value)}
                data-testid="gateway-log-filter-agent"
              />
            </div>
            <PagedListBody list={records} loadingLabel="Loading gateway calls" empty={empty}>
              <GatewayCallsTable calls={calls} agents={agents} />
            </PagedListBody>
          </>
        )}
      </Card>
    </>
  );
}
