import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import type { AuthService } from '../../modules/auth/service.js';
import {
  type AccessTokenVerifier,
  agentPrincipalOf,
  InvalidToken,
} from '../../modules/oauth/access-tokens.js';
import { DPOP_SIGNING_ALGS, DpopError, type DpopVerifier } from '../../modules/oauth/dpop.js';
import {
  type AgentPrincipal,
  type Ctx,
  type Principal,
  type RequestMeta,
  roleAtLeast,
  type UserPrincipal,
} from '../context.js';
import type { Role } from '../db/tables.js';
import { AppError, forbidden, unauthorized } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

/** Scopes that let an agent's token call the management API; `gatehouse:admin` holds them all. */
export const ADMIN_SCOPE = 'gatehouse:admin';
export type ManagementScope =
  | 'gatehouse:agents.read'
  | 'gatehouse:agents.write'
  | 'gatehouse:credentials.write'
  | 'gatehouse:delegations.write'
  | 'gatehouse:resources.write'
  | 'gatehouse:audit.read'
  | 'gatehouse:authz.read'
  | 'gatehouse:authz.write'
  | 'gatehouse:authz.check'
  | 'gatehouse:rooms.write';

const DPOP_ALGS = DPOP_SIGNING_ALGS.join(' ');

export const SESSION_COOKIE = 'gh_session';

/** OpenAPI security requirement for routes behind a session. */
export const sessionSecurity: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }];

function tokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  return request.cookies[SESSION_COOKIE];
}

/** An access token (a JWT) rather than an opaque session token, and the scheme it came with. */
function accessTokenOf(request: FastifyRequest): { scheme: 'Bearer' | 'DPoP'; token: string } | undefined {
  const m = request.headers.authorization?.match(
    /^(Bearer|DPoP) ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/,
  );
  return m ? { scheme: m[1] as 'Bearer' | 'DPoP', token: m[2] as string } : undefined;
}

/** A 401 for a refused access token, with the RFC 6750 §3 / RFC 9449 §7.1 challenge. */
function refuse(reply: FastifyReply, scheme: 'Bearer' | 'DPoP', error: string, description: string) {
  const algs = scheme === 'DPoP' ? `, algs="${DPOP_ALGS}"` : '';
  reply.header('www-authenticate', `${scheme} error="${error}", error_description="${description}"${algs}`);
  return new AppError(401, error, `The access token was refused: ${description}`);
}

export const metaOf = (request: FastifyRequest): RequestMeta => ({
  ip: request.ip ?? null,
  userAgent: request.headers['user-agent'] ?? null,
  requestId: request.id,
});

/** The user and request metadata a service call needs; only after `guards.user`. */
export function ctxOf(request: FastifyRequest): Ctx {
  if (request.principal?.type !== 'user') throw unauthorized();
  return { principal: request.principal, meta: metaOf(request) };
}

/** The principal (a user, or an agent with a token) and request metadata; after `guards.actor`. */
export function actorCtxOf(request: FastifyRequest): Ctx<Principal> {
  if (!request.principal) throw unauthorized();
  return { principal: request.principal, meta: metaOf(request) };
}

interface GuardDeps {
  auth: AuthService;
  verifier: AccessTokenVerifier;
  dpop: DpopVerifier;
  issuer: string;
  /**
   * Runs on every request an agent's access token authenticates, before its scope is judged
   * (the per-agent rate limit): a refused scope still spends a request. Throws to refuse.
   */
  onAgent?: (request: FastifyRequest, reply: FastifyReply, principal: AgentPrincipal) => Promise<void>;
}

export function createGuards({ auth, verifier, dpop, issuer, onAgent }: GuardDeps) {
  /**
   * An agent's access token: live, for this issuer as audience, and when it is DPoP-bound,
   * presented with the DPoP scheme and a proof by the bound key for this very request.
   */
  async function agentPrincipal(
    request: FastifyRequest,
    reply: FastifyReply,
    presented: { scheme: 'Bearer' | 'DPoP'; token: string },
  ): Promise<AgentPrincipal> {
    const { scheme, token } = presented;
    let claims: Awaited<ReturnType<AccessTokenVerifier['verify']>>;
    try {
      claims = await verifier.verify(token, { audience: issuer });
    } catch (err) {
      if (err instanceof InvalidToken) throw refuse(reply, scheme, 'invalid_token', err.reason);
      throw err;
    }
    const bound = claims.cnf?.jkt;
    if (bound && scheme !== 'DPoP') throw refuse(reply, 'DPoP', 'invalid_token', 'the token is DPoP-bound');
    if (!bound && scheme === 'DPoP')
      throw refuse(reply, 'DPoP', 'invalid_token', 'the token is not DPoP-bound');
    if (bound) {
      const proof = request.headers.dpop;
      if (typeof proof !== 'string')
        throw refuse(reply, 'DPoP', 'invalid_dpop_proof', 'a DPoP proof is required');
      try {
        // htu is judged against the issuer's public URL, not the Host header a proxy may rewrite.
        const path = request.url.split('?')[0] ?? '/';
        await dpop.verify(proof, {
          htm: request.method,
          htu: `${issuer}${path}`,
          accessToken: token,
          expectedJkt: bound,
        });
      } catch (err) {
        if (!(err instanceof DpopError)) throw err;
        if (err.code === 'use_dpop_nonce') reply.header('dpop-nonce', dpop.nonce());
        throw refuse(reply, 'DPoP', err.code, err.description);
      }
    }
    if (!claims.sub.startsWith('agt_')) {
      throw forbidden(
        'agent_token_required',
        'Only an agent acting as itself or for another agent may use this API',
      );
    }
    return agentPrincipalOf(claims);
  }

  async function userPrincipal(request: FastifyRequest, min: Role): Promise<UserPrincipal> {
    const token = tokenOf(request);
    const principal = token ? await auth.authenticate(token) : undefined;
    if (!principal) throw unauthorized('unauthenticated', 'Sign in first: the session is missing or expired');
    if (!roleAtLeast(principal.role, min)) {
      throw forbidden('insufficient_role', `This needs the ${min} role or above`);
    }
    return principal;
  }

  return {
    /**
     * preHandler: a signed-in user whose role is at least `min`, or an agent whose token
     * carries `scope` (or gatehouse:admin). Write scopes imply their read scope.
     */
    actor(min: Role, scope: ManagementScope) {
      return async (request: FastifyRequest, reply: FastifyReply) => {
        const presented = accessTokenOf(request);
        if (!presented) {
          request.principal = await userPrincipal(request, min);
          return;
        }
        const principal = await agentPrincipal(request, reply, presented);
        if (onAgent) await onAgent(request, reply, principal);
        const write = scope.replace(/\.read$/, '.write');
        if (![ADMIN_SCOPE, scope, write].some((s) => principal.scopes.includes(s))) {
          reply.header(
            'www-authenticate',
            `${presented.scheme} error="insufficient_scope", scope="${scope}"`,
          );
          throw forbidden('insufficient_scope', `The token needs the ${scope} or ${ADMIN_SCOPE} scope`);
        }
        request.principal = principal;
      };
    },

    /**
     * preHandler: an agent's access token, whatever its scopes, for what only agents call (the
     * gateway); sessions of people are refused.
     */
    agent() {
      return async (request: FastifyRequest, reply: FastifyReply) => {
        const presented = accessTokenOf(request);
        if (!presented) {
          reply.header('www-authenticate', 'Bearer');
          throw unauthorized('unauthenticated', 'An agent access token is required');
        }
        const principal = await agentPrincipal(request, reply, presented);
        if (onAgent) await onAgent(request, reply, principal);
        request.principal = principal;
      };
    },

    /**
     * preHandler: a live session (any role) or an agent's access token whatever its scopes, for
     * routes open to every member whose service judges the rest (the hub's rooms).
     */
    member() {
      return async (request: FastifyRequest, reply: FastifyReply) => {
        const presented = accessTokenOf(request);
        if (!presented) {
          request.principal = await userPrincipal(request, 'viewer');
          return;
        }
        const principal = await agentPrincipal(request, reply, presented);
        if (onAgent) await onAgent(request, reply, principal);
        request.principal = principal;
      };
    },

    /** preHandler: a live session whose role in its org is at least `min`. */
    user(min: Role = 'viewer') {
      return async (request: FastifyRequest) => {
        request.principal = await userPrincipal(request, min);
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
