import { useState } from 'react';
import { Link } from 'react-router';
import { ApiError } from '../api';
import { useSession, useSessionContext } from '../auth/SessionContext';
import { Avatar } from '../ui/Avatar';
import { Button } from '../ui/Button';
import { LogOutIcon } from '../ui/icons';

/** The signed-in user at the bottom of the sidebar, linking to their account page, with Sign out. */
export function CurrentUser() {
  const { user } = useSession();
  const { signOut } = useSessionContext();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onSignOut() {
    setBusy(true);
    setError(null);
    try {
      // Without a session, RequireAuth sends the browser to the login page.
      await signOut();
    } catch (err) {
      setError(err instanceof ApiError ? err.displayMessage : 'Sign out failed, try again.');
      setBusy(false);
    }
  }

  return (
    <div className="sidebar-user" data-testid="current-user">
      <Link
        to="/account"
        className="sidebar-user-link"
        title="Your account"
        data-testid="current-user-account"
      >
        <Avatar name={user.name} email={user.email} />
        <span className="sidebar-user-text">
          <span className="sidebar-user-name">{user.name || user.email}</span>
          <span className="sidebar-user-email">{user.email}</span>
        </span>
      </Link>
      <Button
        variant="ghost"
        size="sm"
        className="sidebar-signout"
        loading={busy}
        onClick={onSignOut}
        data-testid="sign-out"
        title="Sign out"
      >
        {!busy && <LogOutIcon />}
        Sign out
      </Button>
      {error && (
        <p className="sidebar-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
