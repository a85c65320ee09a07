import { useState } from 'react';
import { ApiError, api, type SessionInfo } from '../api';
import type { Loader } from '../lib/useLoader';
import { Card } from '../ui/Card';
import { EmptyState } from '../ui/EmptyState';
import { ErrorBanner } from '../ui/ErrorBanner';
import { MonitorIcon } from '../ui/icons';
import { Spinner } from '../ui/Spinner';
import { SessionsTable } from './SessionsTable';

/** The user's live sessions, in every organization; any but this one can be signed out. */
export function SessionsCard({ sessions }: { sessions: Loader<{ items: SessionInfo[] }> }) {
  const [signingOut, setSigningOut] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  // This session first, then the others in the server's order (newest first).
  const items = [...(sessions.data?.items ?? [])].sort((a, b) => Number(b.current) - Number(a.current));

  async function signOut(session: SessionInfo) {
    setActionError(null);
    setSigningOut(session.id);
    try {
      await api.revokeSession(session.id);
    } catch (err) {
      // 404: it had already ended (expired, or signed out elsewhere), which is what was asked for.
      if (!(err instanceof ApiError && err.status === 404)) setActionError(err);
    }
    await sessions.reload();
    setSigningOut(null);
  }

  return (
    <Card
      title="Sessions"
      description="Browsers and devices signed in to your account. Sign out of any you do not recognize."
      flush
      data-testid="sessions-card"
    >
      <div className="card-banners">
        <ErrorBanner error={actionError} onDismiss={() => setActionError(null)} />
        <ErrorBanner error={sessions.error} onRetry={sessions.reload} />
      </div>
      {sessions.loading && !sessions.data ? (
        <div className="center-block">
          <Spinner label="Loading sessions" />
        </div>
      ) : (
        items.length > 0 && <SessionsTable sessions={items} signingOut={signingOut} onSignOut={signOut} />
      )}
      {sessions.data && items.every((s) => s.current) && (
        <EmptyState
          icon={<MonitorIcon />}
          title="No other sessions"
          description="You are signed in only here. When you sign in on another browser or device, it shows up in this list."
          data-testid="sessions-empty"
        />
      )}
    </Card>
  );
}
