import type { FastifyReply } from 'fastify';
import type { Config } from '../../config.js';
import { setSessionCookie } from '../../platform/http/auth.js';
import { presentSession } from './schema.js';
import type { AuthService } from './service.js';

/** Answers a fresh session: the token in the body for API clients, and as a cookie for the console. */
export async function respondSignedIn(
  reply: FastifyReply,
  deps: { auth: AuthService; config: Config },
  opened: Awaited<ReturnType<AuthService['openSession']>>,
) {
  const { token, session } = opened;
  const who = { userId: session.user_id, orgId: session.org_id };
  const view = presentSession(await deps.auth.describe(who), {
    id: session.id,
    expiresAt: session.expires_at,
  });
  setSessionCookie(reply, deps.config, token, session.expires_at);
  return { ...view, token, expires_at: session.expires_at.toISOString() };
}
