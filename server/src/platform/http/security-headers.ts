import type { ServerResponse } from 'node:http';
import helmet from 'helmet';

/**
 * Helmet's headers with its defaults are the same for every response, so they are worked out
 * once, by running helmet against a stand-in response, and then set as one object per request.
 * (@fastify/helmet rebuilds the middleware per request, which cost about a third of a trivial
 * route's throughput; running even a prebuilt helmet per request still showed in the token
 * path's profile: bench/RESULTS.md.)
 */
export function staticSecurityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const stand = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  } as unknown as ServerResponse;
  let failed: unknown;
  helmet()({} as never, stand, (err?: unknown) => {
    failed = err;
  });
  if (failed) throw failed;
  return headers;
}
