import { Card } from '../ui/Card';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Spinner } from '../ui/Spinner';
import { type Directory, PrincipalName } from './PrincipalName';
import { RoomRoleBadge } from './RoomBadges';
import type { PrincipalRef, RoomMember } from './types';

/** Who has the room open right now, on any node. */
export function PresenceCard({
  present,
  live,
  dir,
}: {
  present: readonly PrincipalRef[];
  live: boolean;
  dir: Directory;
}) {
  return (
    <Card title="Here now" data-testid="presence-card">
      {!live ? (
        <p className="muted">Shown while the room is live.</p>
      ) : present.length === 0 ? (
        <p className="muted">Nobody.</p>
      ) : (
        <ul className="people-list" data-testid="presence-list">
          {present.map((p) => (
            <li key={`${p.type}:${p.id}`} data-testid="presence-item" data-id={p.id}>
              <span className="presence-dot" aria-hidden="true" />
              <PrincipalName principal={p} dir={dir} />
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

export function MembersCard({
  members,
  loading,
  error,
  reload,
  dir,
}: {
  members: readonly RoomMember[] | undefined;
  loading: boolean;
  error: unknown;
  reload: () => void;
  dir: Directory;
}) {
  return (
    <Card title="Members" data-testid="members-card">
      <ErrorBanner error={error} onRetry={reload} />
      {loading && !members ? (
        <Spinner label="Loading members" />
      ) : (
        <ul className="people-list" data-testid="members-list">
          {(members ?? []).map((m) => (
            <li key={`${m.type}:${m.id}`} data-testid="member-item" data-id={m.id} data-role={m.role}>
              <PrincipalName principal={m} dir={dir} />
              <RoomRoleBadge role={m.role} />
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
