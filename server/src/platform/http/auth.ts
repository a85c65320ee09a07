import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { AuthService } from '../../modules/auth/service.js';
import { type Ctx, type RequestMeta, roleAtLeast, type UserPrincipal } from '../context.js';
import type { Role } from '../db/tables.js';
import { forbidden, unauthorized } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: UserPrincipal | undefined;
  }
}

export const SESSION_COOKIE = 'gh_session';

/** OpenAPI security requirement for routes behind a session. */
export const sessionSecurity: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }];

function tokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  return request.cookies[SESSION_COOKIE];
}

export const metaOf = (request: FastifyRequest): RequestMeta => ({
  ip: request.ip ?? null,
  userAgent: request.headers['user-agent'] ?? null,
  requestId: request.id,
});

/** The principal and request metadata a service call needs; only after `requireUser`. */
export function ctxOf(request: FastifyRequest): Ctx {
  if (!request.principal) throw unauthorized();
  return { principal: request.principal, meta: metaOf(request) };
}

export function createGuards(auth: AuthService) {
  return {
    /** preHandler: a live session whose role in its org is at least `min`. */
    user(min: Role = 'viewer') {
      return async (request: FastifyRequest) => {
        const token = tokenOf(request);
        const principal = token ? await auth.authenticate(token) : undefined;
        if (!principal)
          throw unauthorized('unauthenticated', 'Sign in first: the session is missing or expired');
        if (!roleAtLeast(principal.role, min)) {
          throw forbidden('insufficient_role', `This needs the ${min} role or above`);
        }
        request.principal = principal;
      };
    },
  };
}
export type Guards = ReturnType<typeof createGuards>;

export function setSessionCookie(reply: FastifyReply, config: Config, token: string, expiresAt: Date) {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: config.issuer.startsWith('https://'),
    path: '/',
    expires: expiresAt,
  });
}

export function clearSessionCookie(reply: FastifyReply) {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
}
