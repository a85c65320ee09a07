import type { AgentIndex } from '../delegations/useAgentIndex';
import { type Members, memberLabel } from '../lib/useMembers';
import type { AuditEvent } from './types';

export interface ActorNames {
  members: Members;
  agents: AgentIndex;
}

type Actor = AuditEvent['actor'];

const TYPE_LABELS: Record<Actor['type'], string> = {
  user: 'User',
  agent: 'Agent',
  system: 'System',
  anonymous: 'Anonymous',
};

function nameOf({ type, id }: Actor, { members, agents }: ActorNames): string | undefined {
  if (type === 'user') {
    const member = members.byId(id);
    return member && memberLabel(member);
  }
  if (type === 'agent' && id) return agents.byId(id)?.name;
  return undefined;
}

/** Who acted, by name where this org still knows them; the id is on hover (and in the record's details). */
export function ActorName({ actor, names }: { actor: Actor; names: ActorNames }) {
  if (actor.type === 'anonymous' || !actor.id) return <span className="muted">Anonymous</span>;
  const name = nameOf(actor, names);
  return (
    <span className="person-line" title={actor.id}>
      <span className="muted">{TYPE_LABELS[actor.type]}</span>
      <span className={name ? undefined : 'mono'}>{name ?? actor.id}</span>
    </span>
  );
}
