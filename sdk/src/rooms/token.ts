/** A token, or a function that returns a fresh one each time it is called (e.g. `() => agent.getToken()`). */
export type TokenSource = string | (() => Promise<string>);

export const tokenGetter = (source: TokenSource): (() => Promise<string>) =>
  typeof source === 'string' ? () => Promise.resolve(source) : source;

/**
 * When a JWT expires and was issued, in ms, read without verifying it: the client only needs to
 * know when to send a fresh one, and the server checks it. Undefined for an opaque token (a
 * person's session token), which is not refreshed.
 */
export function tokenTimes(token: string): { expiresAt: number; issuedAt: number | undefined } | undefined {
  const payload = token.split('.')[1];
  if (token.split('.').length !== 3 || !payload) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as { exp?: unknown; iat?: unknown };
    if (typeof claims.exp !== 'number') return undefined;
    return {
      expiresAt: claims.exp * 1000,
      issuedAt: typeof claims.iat === 'number' ? claims.iat * 1000 : undefined,
    };
  } catch {
    return undefined;
  }
}

/**
 * How long to wait before refreshing `token`: until `aheadMs` before it expires, but no later
 * than half its lifetime, so a short-lived token is not refreshed at the last moment.
 */
export function refreshDelay(token: string, aheadMs: number, now: number): number | undefined {
  const times = tokenTimes(token);
  if (!times) return undefined;
  const lifetime = times.expiresAt - (times.issuedAt ?? now);
  return Math.max(0, times.expiresAt - Math.min(aheadMs, lifetime / 2) - now);
}
