import type { PresentedAuditEvent } from './schema.js';

/** Longest a SIEM may take to acknowledge one batch before the attempt counts as failed. */
const TIMEOUT_MS = 10_000;

/**
 * Delivers a batch as one POST of a JSON array; only a 2xx acknowledges it. Redirects are not
 * followed (a POST would turn into a GET), so a moved endpoint shows up as a failure to fix.
 */
export function httpSink(url: string, token: string | undefined) {
  return async (events: PresentedAuditEvent[], signal: AbortSignal): Promise<void> => {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'gatehouse-audit-sink',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(events),
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)]),
      });
    } catch (err) {
      // fetch says only "fetch failed"; the reason (refused, reset, timed out) is its cause.
      const cause = (err as Error).cause as Error | undefined;
      throw new Error(`unreachable: ${cause?.message ?? (err as Error).message}`);
    }
    // Read to the end, so the connection goes back to the pool.
    await res.arrayBuffer().catch(() => undefined);
    if (res.status < 200 || res.status > 299) throw new Error(`answered HTTP ${res.status}`);
  };
}
