import { Link } from 'react-router';
import { Badge } from '../ui/Badge';
import { Button } from '../ui/Button';
import { RelativeTime } from '../ui/RelativeTime';
import { type Column, Table } from '../ui/Table';
import { RoomRoleBadge, VisibilityBadge } from './RoomBadges';
import type { Room } from './types';

export interface RoomsTableProps {
  rooms: readonly Room[];
  /** Joins a public room the person is not in; absent when they may not. */
  onJoin?: ((room: Room) => void) | undefined;
  joining: string | null;
}

/** Rooms the person can see: public ones and their own, with their role or a way in. */
export function RoomsTable({ rooms, onJoin, joining }: RoomsTableProps) {
  const columns: Column<Room>[] = [
    {
      key: 'name',
      header: 'Room',
      render: (r) => (
        <span className="person-text">
          <Link to={`/rooms/${r.id}`} className="agent-link" data-testid="room-name">
            {r.name}
          </Link>
          <span className="mono muted">#{r.slug}</span>
        </span>
      ),
    },
    {
      key: 'topic',
      header: 'Topic',
      render: (r) => (r.topic ? r.topic : <span className="muted">None</span>),
    },
    {
      key: 'visibility',
      header: 'Visibility',
      render: (r) => (
        <span className="person-line">
          <VisibilityBadge visibility={r.visibility} />
          {r.archived && <Badge tone="warning">Archived</Badge>}
        </span>
      ),
    },
    { key: 'messages', header: 'Messages', align: 'right', render: (r) => r.last_seq },
    { key: 'updated', header: 'Updated', render: (r) => <RelativeTime iso={r.updated_at} /> },
    {
      key: 'role',
      header: 'You',
      align: 'right',
      render: (r) =>
        r.my_role ? (
          <RoomRoleBadge role={r.my_role} />
        ) : onJoin && r.visibility === 'public' && !r.archived ? (
          <Button size="sm" onClick={() => onJoin(r)} loading={joining === r.id} data-testid="room-join">
            Join
          </Button>
        ) : (
          <span className="muted">Not a member</span>
        ),
    },
  ];
  return (
    <Table
      label="Rooms"
      testId="rooms-table"
      columns={columns}
      rows={rooms}
      rowKey={(r) => r.id}
      rowProps={(r) => ({
        'data-testid': 'room-row',
        'data-id': r.id,
        'data-slug': r.slug,
        'data-role': r.my_role ?? '',
      })}
    />
  );
}
