import { ChangePasswordCard } from '../account/ChangePasswordCard';
import { ProfileCard } from '../account/ProfileCard';
import { SessionsCard } from '../account/SessionsCard';
import { api } from '../api';
import { useLoader } from '../lib/useLoader';
import { usePageTitle } from '../lib/usePageTitle';
import { PageHeader } from '../ui/PageHeader';

export function AccountPage() {
  usePageTitle('Account');
  // Owned here so that a password change, which ends the other sessions, can refresh the list.
  const sessions = useLoader(api.listSessions);
  return (
    <>
      <PageHeader title="Account" description="Your profile, your password, and where you are signed in." />
      <div className="stack">
        <div className="grid-2 grid-top">
          <ProfileCard />
          <ChangePasswordCard onChanged={sessions.reload} />
        </div>
        <SessionsCard sessions={sessions} />
      </div>
    </>
  );
}
