import { useSession } from '../auth/SessionContext';
import { Avatar } from '../ui/Avatar';
import { Card } from '../ui/Card';
import { RoleBadge } from '../ui/RoleBadge';

/** Who is signed in, and where: all from the session, so it needs no request of its own. */
export function ProfileCard() {
  const { user, org, role } = useSession();
  return (
    <Card
      title="Profile"
      description="Your account and the organization you are working in."
      data-testid="profile-card"
    >
      <div className="person profile-person">
        <Avatar name={user.name} email={user.email} />
        <span className="person-text">
          <span className="person-name" data-testid="profile-name">
            {user.name || user.email}
          </span>
          <span className="person-email" data-testid="profile-email">
            {user.email}
          </span>
        </span>
      </div>
      <dl className="details">
        <dt>Organization</dt>
        <dd data-testid="profile-org">{org.name}</dd>
        <dt>Your role</dt>
        <dd>
          <RoleBadge role={role} />
        </dd>
      </dl>
    </Card>
  );
}
