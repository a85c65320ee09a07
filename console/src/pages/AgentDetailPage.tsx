import { useCallback, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { AgentOverviewCard } from '../agents/AgentOverviewCard';
import { AgentStatusBadge } from '../agents/AgentStatusBadge';
import { DefinitionCard } from '../agents/DefinitionCard';
import { EditAgentDialog } from '../agents/EditAgentDialog';
import { EditDefinitionDialog } from '../agents/EditDefinitionDialog';
import { VersionDialog } from '../agents/VersionDialog';
import { VersionsCard } from '../agents/VersionsCard';
import { type Agent, ApiError, api } from '../api';
import { useSession } from '../auth/SessionContext';
import { CredentialsCard } from '../credentials/CredentialsCard';
import { roleAtLeast } from '../lib/roles';
import { useLoader } from '../lib/useLoader';
import { useMembers } from '../lib/useMembers';
import { usePagedList } from '../lib/usePagedList';
import { usePageTitle } from '../lib/usePageTitle';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { EmptyState } from '../ui/EmptyState';
import { ErrorBanner } from '../ui/ErrorBanner';
import { ChevronLeftIcon } from '../ui/icons';
import { PageHeader } from '../ui/PageHeader';
import { Spinner } from '../ui/Spinner';

type Dialog = 'edit' | 'definition' | 'archive';

const backToList = (
  <Link to="/agents" className="breadcrumb-link" data-testid="agents-back">
    <ChevronLeftIcon />
    Agents
  </Link>
);

/** /agents/:id — one agent: settings, definition and its versions; suspend, activate and archive. */
export function AgentDetailPage() {
  const { id = '' } = useParams();
  const { role } = useSession();
  const [params, setParams] = useSearchParams();
  const agent = useLoader(useCallback(() => api.getAgent(id), [id]));
  const versions = usePagedList(
    useCallback((cursor: string | null) => api.listAgentVersions(id, cursor), [id]),
  );
  const members = useMembers();
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [statusBusy, setStatusBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  usePageTitle(agent.data?.display_name ?? 'Agent');

  // ?version=N opens that version, so a version can be linked to.
  const viewing = Number.parseInt(params.get('version') ?? '', 10);
  const viewVersion = (version: number | null) =>
    setParams(version ? { version: String(version) } : {}, { replace: true });

  const a = agent.data;
  if (!a) {
    if (agent.loading) {
      return (
        <div className="center-block">
          <Spinner size="lg" label="Loading agent" />
        </div>
      );
    }
    // Not in this org, or not an agent id at all (the API refuses the malformed id as a bad request).
    const missing =
      agent.error instanceof ApiError &&
      (agent.error.status === 404 || agent.error.code === 'validation_failed');
    return (
      <>
        <PageHeader title="Agent" breadcrumb={backToList} />
        {missing ? (
          <Card>
            <EmptyState
              title="Agent not found"
              description="It does not exist in this organization. Check the link, or find it in the list."
              action={
                <Link className="btn btn-secondary" to="/agents">
                  All agents
                </Link>
              }
              data-testid="agent-not-found"
            />
          </Card>
        ) : (
          <ErrorBanner error={agent.error} onRetry={agent.reload} />
        )}
      </>
    );
  }

  const archived = a.status === 'archived';
  const canEdit = roleAtLeast(role, 'manager') && !archived;
  const canArchive = role === 'admin' && !archived;

  /** Takes in what a change returned; a new definition also means a new version in the list. */
  function changed(updated: Agent) {
    agent.set(updated);
    setDialog(null);
    if (updated.definition?.id !== a?.definition?.id) versions.reload();
  }

  async function setStatus(status: 'active' | 'suspended') {
    if (!a) return;
    setActionError(null);
    setStatusBusy(true);
    try {
      changed(await api.updateAgent(a.id, { status }));
    } catch (err) {
      setActionError(err);
      // Archived meanwhile (by someone else): show it as it is now.
      if (err instanceof ApiError && err.code === 'agent_archived') await agent.reload();
    } finally {
      setStatusBusy(false);
    }
  }

  async function archive() {
    if (!a) return;
    await api.archiveAgent(a.id);
    await agent.reload();
  }

  return (
    <>
      <PageHeader
        title={a.display_name}
        badge={<AgentStatusBadge status={a.status} />}
        breadcrumb={backToList}
        description={
          <span className="mono" data-testid="agent-title-name">
            {a.name}
          </span>
        }
        actions={
          <>
            {roleAtLeast(role, 'manager') && (
              <Link
                className="btn btn-secondary"
                to={`/agents/${a.id}/skills`}
                data-testid="agent-skills-link"
              >
                Skills
              </Link>
            )}
            {canEdit && a.status === 'active' && (
              <Button onClick={() => setStatus('suspended')} loading={statusBusy} data-testid="agent-suspend">
                Suspend
              </Button>
            )}
            {canEdit && a.status === 'suspended' && (
              <Button
                variant="primary"
                onClick={() => setStatus('active')}
                loading={statusBusy}
                data-testid="agent-activate"
              >
                Activate
              </Button>
            )}
            {canArchive && (
              <Button
                className="btn-danger-text"
                onClick={() => setDialog('archive')}
                data-testid="agent-archive"
              >
                Archive
              </Button>
            )}
          </>
        }
      />
      <div className="stack">
        {archived && (
          <p className="notice notice-muted" data-testid="agent-archived-banner">
            This agent is archived and read-only. It cannot get tokens, and it cannot be changed or
            reactivated. Its settings and versions are kept for the record.
          </p>
        )}
        {a.status === 'suspended' && (
          <p className="notice notice-warning" data-testid="agent-suspended-banner">
            This agent is suspended: it cannot get new tokens, and the tokens it holds are refused.
            {canEdit && ' Activate it to let it work again.'}
          </p>
        )}
        {!archived && !canEdit && (
          <p className="notice" data-testid="read-only-notice">
            You have read-only access to agents. Managers and admins can change them.
          </p>
        )}
        <ErrorBanner error={actionError} onDismiss={() => setActionError(null)} />
        <div className="grid-2 grid-top">
          <AgentOverviewCard agent={a} members={members} canEdit={canEdit} onEdit={() => setDialog('edit')} />
          <DefinitionCard
            agent={a}
            members={members}
            canEdit={canEdit}
            onEdit={() => setDialog('definition')}
          />
        </div>
        <CredentialsCard agentId={a.id} canEdit={canEdit} canRevoke={roleAtLeast(role, 'manager')} />
        <VersionsCard
          list={versions}
          currentId={a.definition?.id ?? null}
          members={members}
          onView={viewVersion}
        />
      </div>
      {dialog === 'edit' && (
        <EditAgentDialog agent={a} members={members} onClose={() => setDialog(null)} onSaved={changed} />
      )}
      {dialog === 'definition' && (
        <EditDefinitionDialog agent={a} onClose={() => setDialog(null)} onSaved={changed} />
      )}
      {dialog === 'archive' && (
        <ConfirmDialog
          title={`Archive ${a.name}?`}
          confirmLabel="Archive agent"
          destructive
          onConfirm={archive}
          onClose={() => setDialog(null)}
        >
          <p>
            Archiving is <strong>final</strong>. <strong>{a.name}</strong> stops getting tokens at once, and
            it cannot be reactivated or changed again. Its record and versions are kept, and its name becomes
            free for a new agent.
          </p>
        </ConfirmDialog>
      )}
      {viewing > 0 && (
        <VersionDialog agentId={a.id} version={viewing} members={members} onClose={() => viewVersion(null)} />
      )}
    </>
  );
}
