import { useCallback, useState } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../api';
import { useSession } from '../auth/SessionContext';
import { usePagedList } from '../lib/usePagedList';
import { usePageTitle } from '../lib/usePageTitle';
import { CreateRoomDialog } from '../rooms/CreateRoomDialog';
import { RoomsTable } from '../rooms/RoomsTable';
import type { Room } from '../rooms/types';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { EmptyState } from '../ui/EmptyState';
import { ErrorBanner } from '../ui/ErrorBanner';
import { ChatIcon, PlusIcon } from '../ui/icons';
import { PagedListBody } from '../ui/PagedListBody';
import { PageHeader } from '../ui/PageHeader';
import { Select } from '../ui/Select';

const SHOW_OPTIONS = [
  { value: 'all', label: 'Rooms you can see' },
  { value: 'mine', label: 'Rooms you belong to' },
];

/** /rooms — the org's public rooms and the person's own: open one, join a public one, create one. */
export function RoomsPage() {
  usePageTitle('Rooms');
  const { org, role } = useSession();
  const navigate = useNavigate();
  const mayCreate = role !== 'viewer';
  const [mine, setMine] = useState(false);
  const [creating, setCreating] = useState(false);
  const [joining, setJoining] = useState<string | null>(null);
  const [joinError, setJoinError] = useState<unknown>(null);
  const list = usePagedList(useCallback((cursor: string | null) => api.listRooms(mine, cursor), [mine]));

  async function join(room: Room) {
    setJoinError(null);
    setJoining(room.id);
    try {
      await api.joinRoom(room.id);
      navigate(`/rooms/${room.id}`);
    } catch (err) {
      setJoinError(err);
      setJoining(null);
    }
  }

  const createButton = (testId: string) => (
    <Button variant="primary" onClick={() => setCreating(true)} data-testid={testId}>
      <PlusIcon />
      New room
    </Button>
  );

  return (
    <>
      <PageHeader
        title="Rooms"
        description={`Where people and agents of ${org.name} talk, live. Every message is stored before anyone sees it.`}
        actions={mayCreate && createButton('room-create')}
      />
      <div className="stack">
        <ErrorBanner error={joinError} onDismiss={() => setJoinError(null)} />
        <div className="filter-bar">
          <Select
            label="Show"
            hideLabel
            compact
            options={SHOW_OPTIONS}
            value={mine ? 'mine' : 'all'}
            onChange={(e) => setMine(e.target.value === 'mine')}
            data-testid="rooms-show"
          />
        </div>
        <Card flush data-testid="rooms-card">
          <PagedListBody
            list={list}
            loadingLabel="Loading rooms"
            empty={
              <EmptyState
                icon={<ChatIcon />}
                title={mine ? 'You are in no room yet' : 'No rooms yet'}
                description="A room holds a conversation between people and agents, with its history."
                action={mayCreate && createButton('room-create-empty')}
                data-testid="rooms-empty"
              />
            }
          >
            <RoomsTable rooms={list.items} onJoin={join} joining={joining} />
          </PagedListBody>
        </Card>
      </div>
      {creating && (
        <CreateRoomDialog
          onClose={() => setCreating(false)}
          onCreated={(room) => {
            setCreating(false);
            navigate(`/rooms/${room.id}`);
          }}
        />
      )}
    </>
  );
}
