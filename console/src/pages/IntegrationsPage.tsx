import { useCallback, useState } from 'react';
import { useNavigate } from 'react-router';
import { ApiError, api } from '../api';
import { useSession } from '../auth/SessionContext';
import { EgressCard } from '../integrations/EgressCard';
import { IntegrationDialog } from '../integrations/IntegrationDialog';
import { IntegrationsTable } from '../integrations/IntegrationsTable';
import { useLoader } from '../lib/useLoader';
import { usePagedList } from '../lib/usePagedList';
import { usePageTitle } from '../lib/usePageTitle';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { EmptyState } from '../ui/EmptyState';
import { PlugIcon, PlusIcon } from '../ui/icons';
import { PagedListBody } from '../ui/PagedListBody';
import { PageHeader } from '../ui/PageHeader';

const none = { items: [], next_cursor: null };

/** /integrations — third-party APIs agents call through the gateway, and the org's egress policy (admins only). */
export function IntegrationsPage() {
  usePageTitle('Integrations');
  const { org, role } = useSession();
  const isAdmin = role === 'admin';
  const navigate = useNavigate();
  const [creating, setCreating] = useState(false);
  const list = usePagedList(
    useCallback(
      (cursor: string | null) => (isAdmin ? api.listIntegrations(cursor) : Promise.resolve(none)),
      [isAdmin],
    ),
  );
  const egress = useLoader(
    useCallback(
      () =>
        isAdmin
          ? api.getEgress()
          : Promise.resolve({ hosts: [], allow_private: [], updated_by: null, updated_at: null }),
      [isAdmin],
    ),
  );
  const forbidden = !isAdmin || (list.error instanceof ApiError && list.error.status === 403);

  const createButton = (testId: string) => (
    <Button variant="primary" onClick={() => setCreating(true)} data-testid={testId}>
      <PlusIcon />
      New integration
    </Button>
  );

  return (
    <>
      <PageHeader
        title="Integrations"
        description={`Third-party APIs agents of ${org.name} call through the gateway at /v1/gateway/{name}/…, which adds the credential: agents never hold it.`}
        actions={isAdmin && createButton('integration-create')}
      />
      {forbidden ? (
        <Card>
          <EmptyState
            title="Only admins can see integrations"
            description="They hold the keys to third-party accounts. Ask an admin of this organization."
            data-testid="integrations-forbidden"
          />
        </Card>
      ) : (
        <div className="stack">
          <Card flush data-testid="integrations-card">
            <PagedListBody
              list={list}
              loadingLabel="Loading integrations"
              empty={
                <EmptyState
                  icon={<PlugIcon />}
                  title="No integrations yet"
                  description="Add the APIs your agents need; their credentials stay here, sealed."
                  action={createButton('integration-create-empty')}
                  data-testid="integrations-empty"
                />
              }
            >
              <IntegrationsTable integrations={list.items} />
            </PagedListBody>
          </Card>
          <EgressCard egress={egress} />
        </div>
      )}
      {creating && (
        <IntegrationDialog
          integration={null}
          onClose={() => setCreating(false)}
          onSaved={(created) => {
            setCreating(false);
            navigate(`/integrations/${created.id}`);
          }}
        />
      )}
    </>
  );
}
