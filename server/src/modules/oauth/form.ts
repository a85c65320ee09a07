import type { FastifyInstance } from 'fastify';
import { OAuthError } from './errors.js';

/**
 * OAuth endpoints take application/x-www-form-urlencoded (RFC 6749 §4.4.2). Parameters are
 * collected as lists so a repeated parameter, which §3.2 forbids, can be refused.
 */
export function registerFormParser(app: FastifyInstance) {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    const params: Record<string, string[]> = {};
    for (const [k, v] of new URLSearchParams(body as string)) {
      const list = params[k] ?? [];
      list.push(v);
      params[k] = list;
    }
    done(null, params);
  });
}

/** Reads single-valued parameters; a repeated or empty one is invalid_request. */
export function formParams(body: unknown): Record<string, string | undefined> {
  if (!body || typeof body !== 'object') {
    throw new OAuthError('invalid_request', 'send the parameters as application/x-www-form-urlencoded');
  }
  const out: Record<string, string | undefined> = {};
  for (const [k, values] of Object.entries(body as Record<string, string[]>)) {
    if (values.length > 1) throw new OAuthError('invalid_request', `parameter ${k} is repeated`);
    out[k] = values[0] === '' ? undefined : values[0];
  }
  return out;
}
