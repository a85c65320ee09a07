import { useCallback, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError, api } from '../api';
import { useSession } from '../auth/SessionContext';
import { AttributesCard } from '../authz/AttributesCard';
import { GrantSkillDialog } from '../authz/GrantSkillDialog';
import { SkillsTable } from '../authz/SkillsTable';
import type { Skill } from '../authz/types';
import { roleAtLeast } from '../lib/roles';
import { useLoader } from '../lib/useLoader';
import { useMembers } from '../lib/useMembers';
import { usePageTitle } from '../lib/usePageTitle';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { EmptyState } from '../ui/EmptyState';
import { ErrorBanner } from '../ui/ErrorBanner';
import { ChevronLeftIcon, PlusIcon } from '../ui/icons';
import { PageHeader } from '../ui/PageHeader';
import { Spinner } from '../ui/Spinner';
import '../authz/authz.css';

type Dialog = { kind: 'grant'; skill?: Skill } | { kind: 'revoke'; skill: Skill };

/** Everything the page shows of one agent, loaded together: nobody below manager asks for it. */
async function loadAgentSkills(id: string) {
  const [agent, skills, attributes, catalogue] = await Promise.all([
    api.getAgent(id),
    api.listSkills(id),
    api.getAttributes(id),
    api.getCapabilities(),
  ]);
  return { agent, skills: skills.items, attributes, catalogue };
}

/** /agents/:id/skills — one agent's skills (grant with a note and expiry, revoke) and the attributes policies see. */
export function AgentSkillsPage() {
  const { id = '' } = useParams();
  const { role } = useSession();
  const canRead = roleAtLeast(role, 'manager');
  const isAdmin = role === 'admin';
  const data = useLoader(
    useCallback(() => (canRead ? loadAgentSkills(id) : Promise.resolve(undefined)), [canRead, id]),
  );
  const members = useMembers();
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const d = data.data;
  usePageTitle(d ? `Skills of ${d.agent.name}` : 'Skills');
  const held = useMemo(() => new Set(d?.skills.map((s) => s.capability)), [d]);
  const forbidden = !canRead || (data.error instanceof ApiError && data.error.status === 403);
  const missing =
    data.error instanceof ApiError && (data.error.status === 404 || data.error.code === 'validation_failed');

  const breadcrumb = (
    <Link
      to={d ? `/agents/${d.agent.id}` : '/capabilities'}
      className="breadcrumb-link"
      data-testid="skills-back"
    >
      <ChevronLeftIcon />
      {d ? d.agent.display_name : 'Capabilities'}
    </Link>
  );

  if (forbidden || !d) {
    let body = <ErrorBanner error={data.error} onRetry={data.reload} />;
    if (forbidden) {
      body = (
        <Card>
          <EmptyState
            title="Only managers and admins can see skills"
            description="Ask an admin of this organization what this agent may do."
            data-testid="skills-forbidden"
          />
        </Card>
      );
    } else if (missing) {
      body = (
        <Card>
          <EmptyState
            title="Agent not found"
            description="It does not exist in this organization."
            data-testid="skills-agent-not-found"
          />
        </Card>
      );
    } else if (data.loading) {
      body = (
        <div className="center-block">
          <Spinner size="lg" label="Loading skills" />
        </div>
      );
    }
    return (
      <>
        <PageHeader title="Skills" breadcrumb={breadcrumb} />
        {body}
      </>
    );
  }

  const archived = d.agent.status === 'archived';
  const canEdit = isAdmin && !archived;
  const refresh = () => void data.reload();

  async function revoke(skill: Skill) {
    await api.revokeSkill(id, skill.capability);
    await data.reload();
  }

  const grantButton = (testId: string) => (
    <Button variant="primary" onClick={() => setDialog({ kind: 'grant' })} data-testid={testId}>
      <PlusIcon />
      Grant skill
    </Button>
  );

  return (
    <>
      <PageHeader
        title={`Skills of ${d.agent.name}`}
        breadcrumb={breadcrumb}
        description="Capabilities granted to this agent. An action needs its capability as a live skill, and the policies must permit it."
        actions={canEdit && grantButton('skill-grant')}
      />
      <div className="stack">
        {archived && (
          <p className="notice notice-muted">This agent is archived: its skills are kept for the record.</p>
        )}
        {canRead && !isAdmin && (
          <p className="notice" data-testid="skills-read-only">
            You can see this agent’s skills. Admins grant and revoke them.
          </p>
        )}
        <ErrorBanner error={data.error} onRetry={refresh} />
        <Card flush data-testid="skills-card">
          {d.skills.length ? (
            <SkillsTable
              skills={d.skills}
              members={members}
              canEdit={canEdit}
              onRenew={(skill) => setDialog({ kind: 'grant', skill })}
              onRevoke={(skill) => setDialog({ kind: 'revoke', skill })}
            />
          ) : (
            <EmptyState
              title="No skills yet"
              description="Without a skill, the agent may do no action that needs a capability."
              action={canEdit ? grantButton('skill-grant-empty') : undefined}
              data-testid="skills-empty"
            />
          )}
        </Card>
        <AttributesCard
          agentId={id}
          attributes={d.attributes}
          canEdit={canEdit}
          onSaved={(attributes) => data.set({ ...d, attributes })}
        />
      </div>
      {dialog?.kind === 'grant' && (
        <GrantSkillDialog
          agentId={id}
          catalogue={d.catalogue}
          skill={dialog.skill}
          held={held}
          onClose={() => setDialog(null)}
          onGranted={() => {
            setDialog(null);
            refresh();
          }}
        />
      )}
      {dialog?.kind === 'revoke' && (
        <ConfirmDialog
          title={`Revoke ${dialog.skill.capability}?`}
          confirmLabel="Revoke skill"
          destructive
          onConfirm={() => revoke(dialog.skill)}
          onClose={() => setDialog(null)}
        >
          <p>
            <strong>{d.agent.name}</strong> can no longer do the actions that need{' '}
            <span className="mono">{dialog.skill.capability}</span>, on every node at once. Granting it again
            later starts a new grant.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
