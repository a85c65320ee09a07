import type { Members } from '../lib/useMembers';
import { memberLabel } from '../lib/useMembers';

/** A user the API names by id: their name when they are a member, else the id. */
export function OwnerName({ id, members }: { id: string | null; members: Members }) {
  if (!id) return <span className="muted">Unknown</span>;
  const member = members.byId(id);
  if (member) return <span title={member.email}>{memberLabel(member)}</span>;
  return (
    <span className="mono muted" title="Not a member of this organization">
      {members.loading ? '…' : id}
    </span>
  );
}
