import { Link } from 'react-router';
import { useSession } from '../auth/SessionContext';
import { formatDateTime, formatRelative } from '../lib/format';
import { usePageTitle } from '../lib/usePageTitle';
import { Card } from '../ui/Card';
import { MailIcon, UsersIcon } from '../ui/icons';
import { PageHeader } from '../ui/PageHeader';
import { RoleBadge } from '../ui/RoleBadge';

export function HomePage() {
  usePageTitle('Overview');
  const { user, org, role, orgs, session } = useSession();
  const firstName = user.name.trim().split(/\s+/)[0] || user.email;

  return (
    <>
      <PageHeader title={`Welcome, ${firstName}`} description="Here is where you stand in Gatehouse." />
      <div className="grid-2">
        <Card title="Organization" data-testid="overview-org">
          <dl className="details">
            <dt>Name</dt>
            <dd data-testid="overview-org-name">{org.name}</dd>
            <dt>Slug</dt>
            <dd className="mono">{org.slug}</dd>
            <dt>Your role</dt>
            <dd>
              <RoleBadge role={role} />
            </dd>
            <dt>Your organizations</dt>
            <dd>{orgs.length}</dd>
            <dt>Session expires</dt>
            <dd title={formatDateTime(session.expires_at)}>{formatRelative(session.expires_at)}</dd>
          </dl>
        </Card>
        <Card title="Get started">
          <ul className="link-list">
            <li>
              <Link to="/users" className="link-tile">
                <UsersIcon />
                <span>
                  <strong>Users & roles</strong>
                  <span className="muted">See who has access to {org.name} and what they can do.</span>
                </span>
              </Link>
            </li>
            {role === 'admin' && (
              <li>
                <Link to="/users?invite=1" className="link-tile">
                  <MailIcon />
                  <span>
                    <strong>Invite a teammate</strong>
                    <span className="muted">Create a one-time invitation link with a role.</span>
                  </span>
                </Link>
              </li>
            )}
          </ul>
        </Card>
      </div>
    </>
  );
}
