import { useCallback, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { OwnerName } from '../agents/OwnerName';
import { ApiError, api } from '../api';
import { useSession } from '../auth/SessionContext';
import { useAgentIndex } from '../delegations/useAgentIndex';
import { GrantsCard } from '../integrations/GrantsCard';
import { IntegrationDialog } from '../integrations/IntegrationDialog';
import { CredentialSetBadge, IntegrationStatusBadge } from '../integrations/IntegrationStatusBadge';
import { AUTH_LABELS, authSummary, CREDENTIAL } from '../integrations/labels';
import { formatDateTime } from '../lib/format';
import { useLoader } from '../lib/useLoader';
import { useMembers } from '../lib/useMembers';
import { usePageTitle } from '../lib/usePageTitle';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { EmptyState } from '../ui/EmptyState';
import { ErrorBanner } from '../ui/ErrorBanner';
import { ChevronLeftIcon } from '../ui/icons';
import { PageHeader } from '../ui/PageHeader';
import { RelativeTime } from '../ui/RelativeTime';
import { Spinner } from '../ui/Spinner';

type Dialog = 'edit' | 'credential' | 'delete';

const backToList = (
  <Link to="/integrations" className="breadcrumb-link" data-testid="integrations-back">
    <ChevronLeftIcon />
    Integrations
  </Link>
);

/** /integrations/:id — one integration: what it is, its credential (set, never shown), its agents. */
export function IntegrationDetailPage() {
  const { id = '' } = useParams();
  const { role } = useSession();
  const isAdmin = role === 'admin';
  const navigate = useNavigate();
  const integration = useLoader(
    useCallback(() => (isAdmin ? api.getIntegration(id) : Promise.resolve(undefined)), [isAdmin, id]),
  );
  const agents = useAgentIndex();
  const members = useMembers();
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [statusBusy, setStatusBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const i = integration.data;
  usePageTitle(i?.display_name ?? 'Integration');
  const forbidden = !isAdmin || (integration.error instanceof ApiError && integration.error.status === 403);

  if (forbidden || !i) {
    const missing =
      integration.error instanceof ApiError &&
      (integration.error.status === 404 || integration.error.code === 'validation_failed');
    let body = <ErrorBanner error={integration.error} onRetry={integration.reload} />;
    if (forbidden) {
      body = (
        <Card>
          <EmptyState
            title="Only admins can see integrations"
            description="They hold the keys to third-party accounts. Ask an admin of this organization."
            data-testid="integrations-forbidden"
          />
        </Card>
      );
    } else if (missing) {
      body = (
        <Card>
          <EmptyState
            title="Integration not found"
            description="It does not exist in this organization, or it was deleted."
            data-testid="integration-not-found"
          />
        </Card>
      );
    } else if (integration.loading) {
      body = (
        <div className="center-block">
          <Spinner size="lg" label="Loading integration" />
        </div>
      );
    }
    return (
      <>
        <PageHeader title="Integration" breadcrumb={backToList} />
        {body}
      </>
    );
  }

  async function setStatus(status: 'active' | 'disabled') {
    setActionError(null);
    setStatusBusy(true);
    try {
      integration.set(await api.updateIntegration(id, { status }));
    } catch (err) {
      setActionError(err);
    } finally {
      setStatusBusy(false);
    }
  }

  const credential = CREDENTIAL[i.auth.type];
  return (
    <>
      <PageHeader
        title={i.display_name}
        badge={<IntegrationStatusBadge status={i.status} />}
        breadcrumb={backToList}
        description={
          <span className="mono" data-testid="integration-title-name">
            /v1/gateway/{i.name}/…
          </span>
        }
        actions={
          <>
            {i.status === 'active' ? (
              <Button
                onClick={() => setStatus('disabled')}
                loading={statusBusy}
                data-testid="integration-disable"
              >
                Disable
              </Button>
            ) : (
              <Button
                variant="primary"
                onClick={() => setStatus('active')}
                loading={statusBusy}
                data-testid="integration-enable"
              >
                Enable
              </Button>
            )}
            <Button onClick={() => setDialog('edit')} data-testid="integration-edit">
              Edit
            </Button>
            <Button
              className="btn-danger-text"
              onClick={() => setDialog('delete')}
              data-testid="integration-delete"
            >
              Delete
            </Button>
          </>
        }
      />
      <div className="stack">
        {i.status === 'disabled' && (
          <p className="notice notice-warning" data-testid="integration-disabled-banner">
            This integration is disabled: the gateway refuses every call to it. Enable it to let agents call
            it again.
          </p>
        )}
        <ErrorBanner error={actionError} onDismiss={() => setActionError(null)} />
        <Card title="Overview" data-testid="integration-overview">
          <dl className="details details-top">
            <dt>Name</dt>
            <dd className="mono" data-testid="integration-name-value">
              {i.name}
            </dd>
            <dt>Description</dt>
            <dd className="details-text">{i.description || <span className="muted">None</span>}</dd>
            <dt>Base URL</dt>
            <dd className="mono" data-testid="integration-url-value">
              {i.base_url}
            </dd>
            <dt>Authentication</dt>
            <dd data-testid="integration-auth-value" title={AUTH_LABELS[i.auth.type]}>
              {authSummary(i)}
            </dd>
            <dt>{credential.label}</dt>
            <dd>
              <span className="person-line">
                {i.auth.credential_set ? (
                  <>
                    <CredentialSetBadge at={i.auth.credential_updated_at} />
                    <span className="muted">
                      updated <RelativeTime iso={i.auth.credential_updated_at} />
                    </span>
                  </>
                ) : (
                  <span className="muted">Not set</span>
                )}
                <Button
                  size="sm"
                  onClick={() => setDialog('credential')}
                  data-testid="integration-replace-credential"
                >
                  Replace credential
                </Button>
              </span>
            </dd>
            <dt>Rate limit</dt>
            <dd data-testid="integration-rate-value">
              {i.rate_limit_rpm ? (
                `${i.rate_limit_rpm} requests per minute`
              ) : (
                <span className="muted">None</span>
              )}
            </dd>
            <dt>Created</dt>
            <dd>
              {formatDateTime(i.created_at)} <span className="muted">by</span>{' '}
              <OwnerName id={i.created_by} members={members} />
            </dd>
            <dt>ID</dt>
            <dd className="mono muted">{i.id}</dd>
          </dl>
        </Card>
        <GrantsCard integration={i} agents={agents} />
      </div>
      {(dialog === 'edit' || dialog === 'credential') && (
        <IntegrationDialog
          integration={i}
          replaceCredential={dialog === 'credential'}
          onClose={() => setDialog(null)}
          onSaved={(saved) => {
            integration.set(saved);
            setDialog(null);
          }}
        />
      )}
      {dialog === 'delete' && (
        <ConfirmDialog
          title={`Delete ${i.name}?`}
          confirmLabel="Delete integration"
          destructive
          onConfirm={async () => {
            await api.deleteIntegration(id);
            navigate('/integrations');
          }}
          onClose={() => setDialog(null)}
        >
          <p>
            Deleting is <strong>final</strong>: its credential and its grants go with it, and agents calling{' '}
            <span className="mono">/v1/gateway/{i.name}/…</span> get 404 at once. Disable it instead to stop
            calls for a while.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
