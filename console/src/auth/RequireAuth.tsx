import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { Button } from '../ui/Button';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Spinner } from '../ui/Spinner';
import { useSessionContext } from './SessionContext';

/** Renders children only with a session; otherwise sends the user to the login page and back afterwards. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { status, error, refresh } = useSessionContext();
  const location = useLocation();

  if (status === 'loading') {
    return (
      <div className="fullpage-center">
        <Spinner size="lg" label="Loading session" />
      </div>
    );
  }
  if (status === 'error') {
    return (
      <div className="fullpage-center">
        <div className="fullpage-error">
          <ErrorBanner error={error} />
          <Button variant="primary" onClick={() => void refresh()}>
            Try again
          </Button>
        </div>
      </div>
    );
  }
  if (status === 'anonymous') {
    const here = location.pathname + location.search;
    const to = here === '/' ? '/login' : `/login?next=${encodeURIComponent(here)}`;
    return <Navigate to={to} replace />;
  }
  return <>{children}</>;
}
