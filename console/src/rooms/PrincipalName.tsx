import type { AgentIndex } from '../delegations/useAgentIndex';
import { type Members, memberLabel } from '../lib/useMembers';
import { BotIcon, UserIcon } from '../ui/icons';
import type { PrincipalRef } from './types';

export interface Directory {
  members: Members;
  agents: AgentIndex;
}

/** The display name of a person or an agent; the id when they are gone (or not visible to this role). */
export function principalLabel(p: PrincipalRef, dir: Directory): string {
  if (p.type === 'user') {
    const m = dir.members.byId(p.id);
    return m ? memberLabel(m) : p.id;
  }
  const a = dir.agents.byId(p.id);
  return a ? a.display_name || a.name : p.id;
}

/** A person or an agent, with an icon telling which. */
export function PrincipalName({ principal, dir }: { principal: PrincipalRef; dir: Directory }) {
  const Icon = principal.type === 'agent' ? BotIcon : UserIcon;
  return (
    <span className="principal" title={principal.id}>
      <Icon className="principal-icon" />
      <span className="principal-name">{principalLabel(principal, dir)}</span>
    </span>
  );
}
