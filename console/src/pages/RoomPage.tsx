import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError, api } from '../api';
import { useSession } from '../auth/SessionContext';
import { useAgentIndex } from '../delegations/useAgentIndex';
import { useLoader } from '../lib/useLoader';
import { useMembers } from '../lib/useMembers';
import { usePageTitle } from '../lib/usePageTitle';
import { Composer } from '../rooms/Composer';
import { MessageList } from '../rooms/MessageList';
import { MembersCard, PresenceCard } from '../rooms/PeopleCards';
import { principalLabel } from '../rooms/PrincipalName';
import { RoomRoleBadge, VisibilityBadge } from '../rooms/RoomBadges';
import { type FeedStatus, useRoomFeed } from '../rooms/useRoomFeed';
import { Badge, type BadgeTone } from '../ui/Badge';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { EmptyState } from '../ui/EmptyState';
import { ErrorBanner } from '../ui/ErrorBanner';
import { ChevronLeftIcon } from '../ui/icons';
import { PageHeader } from '../ui/PageHeader';
import { Spinner } from '../ui/Spinner';
import '../rooms/rooms.css';

const backToList = (
  <Link to="/rooms" className="breadcrumb-link" data-testid="rooms-back">
    <ChevronLeftIcon />
    Rooms
  </Link>
);

const STATUS: Record<FeedStatus, { tone: BadgeTone; label: string }> = {
  connecting: { tone: 'neutral', label: 'Connecting' },
  live: { tone: 'success', label: 'Live' },
  offline: { tone: 'warning', label: 'Reconnecting' },
  refused: { tone: 'danger', label: 'Disconnected' },
};

/** /rooms/:id — one room: its history, then live messages, who is here, its members, and a composer. */
export function RoomPage() {
  const { id = '' } = useParams();
  const session = useSession();
  const room = useLoader(useCallback(() => api.getRoom(id), [id]));
  const members = useLoader(useCallback(() => api.listRoomMembers(id), [id]));
  const orgMembers = useMembers();
  const agents = useAgentIndex();
  const dir = useMemo(() => ({ members: orgMembers, agents }), [orgMembers, agents]);
  const r = room.data;
  const feed = useRoomFeed(id, Boolean(r?.my_role));
  const [joining, setJoining] = useState(false);
  const [joinError, setJoinError] = useState<unknown>(null);
  usePageTitle(r?.name ?? 'Room');

  // Someone here who is not listed joined since the members loaded (an agent joining a public room).
  const { data: memberList, loading: membersLoading, reload: reloadMembers } = members;
  useEffect(() => {
    if (membersLoading || !memberList) return;
    const listed = new Set(memberList.items.map((m) => `${m.type}:${m.id}`));
    if (feed.present.some((p) => !listed.has(`${p.type}:${p.id}`))) void reloadMembers();
  }, [feed.present, memberList, membersLoading, reloadMembers]);

  if (!r) {
    const missing =
      room.error instanceof ApiError &&
      (room.error.status === 404 || room.error.code === 'validation_failed');
    return (
      <>
        <PageHeader title="Room" breadcrumb={backToList} />
        {missing ? (
          <Card>
            <EmptyState
              title="Room not found"
              description="It does not exist in this organization, it was deleted, or it is private."
              data-testid="room-not-found"
            />
          </Card>
        ) : room.loading ? (
          <div className="center-block">
            <Spinner size="lg" label="Loading room" />
          </div>
        ) : (
          <ErrorBanner error={room.error} onRetry={room.reload} />
        )}
      </>
    );
  }

  async function join() {
    setJoinError(null);
    setJoining(true);
    try {
      await api.joinRoom(id);
      await Promise.all([room.reload(), reloadMembers()]);
    } catch (err) {
      setJoinError(err);
    } finally {
      setJoining(false);
    }
  }

  let disabledReason: string | null = null;
  if (r.archived) disabledReason = 'This room is archived: it keeps its history, nothing more can be posted.';
  else if (r.my_role === 'read_only') disabledReason = 'You can read this room, not post in it.';
  else if (session.role === 'viewer') disabledReason = 'Viewers read rooms; they do not post.';
  else if (feed.status === 'refused') disabledReason = feed.refusal?.displayMessage ?? 'Disconnected.';
  else if (feed.status !== 'live') disabledReason = 'Connecting to the room…';

  const status = STATUS[feed.status];
  const typing = feed.typing.map((p) => principalLabel(p, dir));
  return (
    <>
      <PageHeader
        title={r.name}
        breadcrumb={backToList}
        badge={
          <span className="person-line">
            <VisibilityBadge visibility={r.visibility} />
            {r.archived && <Badge tone="warning">Archived</Badge>}
            {r.my_role && <RoomRoleBadge role={r.my_role} />}
          </span>
        }
        description={
          <span>
            <span className="mono">#{r.slug}</span>
            {r.topic && <> · {r.topic}</>}
          </span>
        }
        actions={
          r.my_role ? (
            <span data-testid="room-status" data-status={feed.status}>
              <Badge tone={status.tone}>{status.label}</Badge>
            </span>
          ) : null
        }
      />
      <div className="room-layout">
        <div className="stack">
          {!r.my_role && (
            <div className="notice notice-muted room-join-notice" data-testid="room-not-member">
              <span>You are not a member: you read this room's history, without live updates.</span>
              {r.visibility === 'public' && !r.archived && (
                <Button
                  variant="primary"
                  size="sm"
                  onClick={join}
                  loading={joining}
                  data-testid="room-join-button"
                >
                  Join room
                </Button>
              )}
            </div>
          )}
          <ErrorBanner error={joinError} onDismiss={() => setJoinError(null)} />
          <ErrorBanner error={feed.error} />
          <Card flush className="room-conversation" data-testid="room-conversation">
            {feed.loading ? (
              <div className="center-block">
                <Spinner label="Loading messages" />
              </div>
            ) : (
              <MessageList
                messages={feed.messages}
                dir={dir}
                hasEarlier={feed.hasEarlier}
                loadEarlier={feed.loadEarlier}
              />
            )}
            <p className="typing-line muted" aria-live="polite" data-testid="typing-indicator">
              {typing.length === 1 && `${typing[0]} is typing…`}
              {typing.length > 1 && `${typing.join(', ')} are typing…`}
            </p>
            {r.my_role && (
              <Composer send={feed.send} setTyping={feed.setTyping} disabledReason={disabledReason} />
            )}
          </Card>
        </div>
        <div className="stack">
          <PresenceCard present={feed.present} live={feed.status === 'live'} dir={dir} />
          <MembersCard
            members={memberList?.items}
            loading={membersLoading}
            error={members.error}
            reload={reloadMembers}
            dir={dir}
          />
        </div>
      </div>
    </>
  );
}
