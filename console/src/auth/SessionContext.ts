import { createContext, useContext } from 'react';
import type { Session } from '../api';

export type SessionStatus = 'loading' | 'authenticated' | 'anonymous' | 'error';

export interface SessionContextValue {
  status: SessionStatus;
  session: Session | null;
  /** Why the initial session probe failed (only when status is 'error'). */
  error: unknown;
  /** Adopt a session returned by login/accept/switch, or null to forget it. */
  setSession: (session: Session | null) => void;
  refresh: () => Promise<void>;
  switchOrg: (orgId: string) => Promise<void>;
  signOut: () => Promise<void>;
}

export const SessionContext = createContext<SessionContextValue | null>(null);

export function useSessionContext(): SessionContextValue {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSessionContext must be used inside <SessionProvider>');
  return ctx;
}

/** The signed-in session; only call below <RequireAuth>. */
export function useSession(): Session {
  const { session } = useSessionContext();
  if (!session) throw new Error('useSession called without an authenticated session');
  return session;
}
