import type { Agent } from '../api';
import { formatJson, formatTtl } from '../lib/agents';
import { formatDateTime } from '../lib/format';
import type { Members } from '../lib/useMembers';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { ChipList } from '../ui/ChipList';
import { RelativeTime } from '../ui/RelativeTime';
import { OwnerName } from './OwnerName';

export interface AgentOverviewCardProps {
  agent: Agent;
  members: Members;
  canEdit: boolean;
  onEdit: () => void;
}

/** The agent's settings and metadata. */
export function AgentOverviewCard({ agent, members, canEdit, onEdit }: AgentOverviewCardProps) {
  return (
    <Card
      title="Overview"
      actions={
        canEdit && (
          <Button size="sm" onClick={onEdit} data-testid="agent-edit">
            Edit
          </Button>
        )
      }
      data-testid="agent-overview"
    >
      <dl className="details details-top">
        <dt>Name</dt>
        <dd className="mono" data-testid="agent-name-value">
          {agent.name}
        </dd>
        <dt>Display name</dt>
        <dd data-testid="agent-display-name-value">{agent.display_name}</dd>
        <dt>Description</dt>
        <dd className="details-text" data-testid="agent-description-value">
          {agent.description || <span className="muted">None</span>}
        </dd>
        <dt>Owner</dt>
        <dd>
          <OwnerName id={agent.owner} members={members} />
        </dd>
        <dt>Allowed scopes</dt>
        <dd>
          <ChipList items={agent.allowed_scopes} empty="None" testId="agent-scopes-value" />
        </dd>
        <dt>Token lifetime</dt>
        <dd data-testid="agent-ttl-value">
          {formatTtl(agent.token_ttl_seconds)} <span className="muted">({agent.token_ttl_seconds} s)</span>
        </dd>
        <dt>Created</dt>
        <dd>{formatDateTime(agent.created_at)}</dd>
        <dt>Updated</dt>
        <dd>
          <RelativeTime iso={agent.updated_at} />
        </dd>
        <dt>ID</dt>
        <dd className="mono muted">{agent.id}</dd>
      </dl>
      <h3 className="section-title">Metadata</h3>
      <pre className="code-block" data-testid="agent-metadata-value">
        {formatJson(agent.metadata)}
      </pre>
    </Card>
  );
}
