import { Badge } from '../ui/Badge';
import type { Room, RoomRole } from './types';

const ROLE_LABELS: Record<RoomRole, string> = { owner: 'Owner', member: 'Member', read_only: 'Read only' };

export function RoomRoleBadge({ role }: { role: RoomRole }) {
  return <Badge tone={role === 'owner' ? 'primary' : 'neutral'}>{ROLE_LABELS[role]}</Badge>;
}

export function VisibilityBadge({ visibility }: { visibility: Room['visibility'] }) {
  return visibility === 'public' ? <Badge tone="info">Public</Badge> : <Badge>Private</Badge>;
}
