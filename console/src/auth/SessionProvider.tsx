import { type ReactNode, useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError, api, type Session, setUnauthorizedHandler } from '../api';
import { SessionContext, type SessionContextValue, type SessionStatus } from './SessionContext';

/** Loads the cookie session once, and drops it when any authenticated call answers 401. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSessionState] = useState<Session | null>(null);
  const [status, setStatus] = useState<SessionStatus>('loading');
  const [error, setError] = useState<unknown>(null);

  const setSession = useCallback((next: Session | null) => {
    setSessionState(next);
    setStatus(next ? 'authenticated' : 'anonymous');
    setError(null);
  }, []);

  const refresh = useCallback(async () => {
    try {
      setSession(await api.getSession());
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setSession(null);
      } else {
        setError(err);
        setStatus('error');
      }
    }
  }, [setSession]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(() => {
    setUnauthorizedHandler(() => setSession(null));
    return () => setUnauthorizedHandler(null);
  }, [setSession]);

  const switchOrg = useCallback(
    async (orgId: string) => {
      setSession(await api.switchOrg(orgId));
    },
    [setSession],
  );

  const signOut = useCallback(async () => {
    try {
      await api.logout();
    } catch (err) {
      // An already-expired session is as good as signed out; anything else leaves the cookie in place.
      if (!(err instanceof ApiError && err.status === 401)) throw err;
    }
    setSession(null);
  }, [setSession]);

  const value = useMemo<SessionContextValue>(
    () => ({ status, session, error, setSession, refresh, switchOrg, signOut }),
    [status, session, error, setSession, refresh, switchOrg, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
