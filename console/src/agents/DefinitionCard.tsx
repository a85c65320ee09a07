import type { Agent } from '../api';
import type { Members } from '../lib/useMembers';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { EmptyState } from '../ui/EmptyState';
import { BotIcon } from '../ui/icons';
import { RelativeTime } from '../ui/RelativeTime';
import { DefinitionView } from './DefinitionView';
import { OwnerName } from './OwnerName';

export interface DefinitionCardProps {
  agent: Agent;
  members: Members;
  canEdit: boolean;
  onEdit: () => void;
}

/** The current definition version. */
export function DefinitionCard({ agent, members, canEdit, onEdit }: DefinitionCardProps) {
  const current = agent.definition;
  return (
    <Card
      title="Definition"
      description={
        current ? (
          <span data-testid="definition-version" data-version={current.version}>
            Version {current.version}, saved <RelativeTime iso={current.created_at} /> by{' '}
            <OwnerName id={current.created_by} members={members} />
          </span>
        ) : (
          'What the agent runs: instructions, model and tools.'
        )
      }
      actions={
        canEdit && (
          <Button size="sm" onClick={onEdit} data-testid="definition-edit">
            {current ? 'Edit definition' : 'Add definition'}
          </Button>
        )
      }
      data-testid="definition-card"
    >
      {current ? (
        <DefinitionView definition={current} />
      ) : (
        <EmptyState
          icon={<BotIcon />}
          title="No definition yet"
          description={
            canEdit
              ? 'Add its instructions, model and tools. Each change is kept as a version.'
              : 'A manager or admin can add its instructions, model and tools.'
          }
        />
      )}
    </Card>
  );
}
