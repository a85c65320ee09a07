import { useCallback } from 'react';
import { Link, useLocation } from 'react-router';
import { AcceptInviteForm } from '../accept/AcceptInviteForm';
import { InvitationSummary } from '../accept/InvitationSummary';
import { ApiError, api } from '../api';
import { useSessionContext } from '../auth/SessionContext';
import { AuthLayout } from '../layout/AuthLayout';
import { useLoader } from '../lib/useLoader';
import { usePageTitle } from '../lib/usePageTitle';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Spinner } from '../ui/Spinner';

const missingToken = new ApiError({
  status: 400,
  code: 'invitation_invalid',
  title: 'Invitation link is incomplete',
  detail: 'Open the full link you were sent, or ask an admin for a new invitation.',
});

/** /accept-invite#token=… — the token lives in the fragment so it never reaches server logs. */
export function AcceptInvitePage() {
  usePageTitle('Accept invitation');
  const { hash } = useLocation();
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token') ?? '';
  const { session } = useSessionContext();
  const inspect = useCallback(
    () => (token ? api.inspectInvitation(token) : Promise.reject(missingToken)),
    [token],
  );
  const { data: invite, error, loading } = useLoader(inspect);

  if (loading) {
    return (
      <AuthLayout title="Checking your invitation">
        <div className="center-block">
          <Spinner size="lg" label="Checking invitation" />
        </div>
      </AuthLayout>
    );
  }
  if (error || !invite) {
    return (
      <AuthLayout title="This invitation can't be used">
        <ErrorBanner error={error} />
        <p className="auth-note">
          Invitations expire and work only once. Ask an admin to send a new one, or{' '}
          <Link to="/login">sign in</Link> if you already have access.
        </p>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout
      title={`Join ${invite.org.name}`}
      subtitle={
        invite.existing_user
          ? 'Confirm with your Gatehouse password to accept.'
          : 'Set up your Gatehouse account to accept.'
      }
    >
      <InvitationSummary invite={invite} />
      {session && session.user.email.toLowerCase() !== invite.email.toLowerCase() && (
        <p className="notice" data-testid="accept-other-session">
          You are signed in as {session.user.email}. Accepting signs you in as {invite.email} instead.
        </p>
      )}
      <AcceptInviteForm token={token} invite={invite} />
    </AuthLayout>
  );
}
