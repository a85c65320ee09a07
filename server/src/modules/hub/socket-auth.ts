import type { IncomingHttpHeaders } from 'node:http';
import type { RequestMeta } from '../../platform/context.js';
import { SESSION_COOKIE } from '../../platform/http/auth.js';
import type { AgentService } from '../agents/service.js';
import type { AuthService } from '../auth/service.js';
import { type AccessTokenVerifier, agentPrincipalOf, InvalidToken } from '../oauth/access-tokens.js';
import type { RateLimitService } from '../ratelimit/service.js';
import type { HubPrincipal } from './contract.js';

/** A refusal with one of the codes of docs/hub.md: the handshake's connect_error, or an ack. */
export class SocketAuthError extends Error {
  /** socket.io hands `data` to the client's connect_error beside `message` (the code). */
  readonly data: { code: string; message: string };
  constructor(code: string, message: string) {
    super(code);
    this.name = 'SocketAuthError';
    this.data = { code, message };
  }
}

/** A credential a socket was accepted with. */
export interface SocketCredential {
  principal: HubPrincipal;
  /** When it stops being accepted: the token's exp, the session's end. */
  expiresAt: Date;
  /**
   * The principal again while the credential stands (a person's role may have changed since);
   * throws SocketAuthError once it is revoked, suspended or ended.
   */
  recheck(): Promise<HubPrincipal>;
}

interface Deps {
  verifier: Pick<AccessTokenVerifier, 'verify' | 'decode'>;
  auth: Pick<AuthService, 'authenticate'>;
  agents: Pick<AgentService, 'getActive'>;
  rateLimits: Pick<RateLimitService, 'consumeAgent'>;
  issuer: string;
  corsOrigins: readonly string[];
}

const SESSION_TOKEN = /^ghs_/;

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

const sameRef = (a: HubPrincipal, b: HubPrincipal) =>
  a.type === b.type &&
  a.orgId === b.orgId &&
  (a.type === 'user' ? a.userId === (b as typeof a).userId : a.agentId === (b as typeof a).agentId);

/**
 * Who a socket is: an agent's access token or a person's session token from `auth.token`, or the
 * console's session cookie when the handshake comes from Gatehouse's own origin.
 */
export function createSocketAuth(deps: Deps) {
  const { verifier, auth, issuer } = deps;
  const ownOrigins = new Set([new URL(issuer).origin, ...deps.corsOrigins]);

  async function agentCredential(token: string): Promise<SocketCredential> {
    let claims: Awaited<ReturnType<AccessTokenVerifier['verify']>>;
    try {
      claims = await verifier.verify(token, { audience: issuer });
    } catch (err) {
      if (!(err instanceof InvalidToken)) throw err;
      if (await inactiveAgent(token))
        throw new SocketAuthError('agent_inactive', 'The agent is suspended or archived');
      throw new SocketAuthError('invalid_token', `The access token was refused: ${err.reason}`);
    }
    // A socket cannot prove possession of a key on each event, so a bound token would be a bearer one here.
    if (claims.cnf?.jkt)
      throw new SocketAuthError('dpop_unsupported', 'A DPoP-bound token cannot be used over the socket');
    if (!claims.sub.startsWith('agt_'))
      throw new SocketAuthError(
        'invalid_token',
        'Only an agent acting as itself or for another agent may connect',
      );
    const principal = agentPrincipalOf(claims);
    return {
      principal,
      expiresAt: new Date(claims.exp * 1000),
      async recheck() {
        try {
          await verifier.verify(token, { audience: issuer });
        } catch (err) {
          if (err instanceof InvalidToken)
            throw new SocketAuthError('invalid_token', `The access token was refused: ${err.reason}`);
          throw err;
        }
        return principal;
      },
    };
  }

  /** Whether a refused token is a well-signed one of an agent that is no longer active. */
  async function inactiveAgent(token: string): Promise<boolean> {
    try {
      const claims = await verifier.decode(token);
      return (
        claims.sub.startsWith('agt_') && (await deps.agents.getActive(claims.org_id, claims.sub)) === null
      );
    } catch {
      return false;
    }
  }

  async function sessionCredential(token: string): Promise<SocketCredential> {
    const principal = await auth.authenticate(token);
    if (!principal) throw new SocketAuthError('invalid_token', 'The session is missing or ended');
    return {
      principal,
      expiresAt: principal.expiresAt,
      async recheck() {
        const now = await auth.authenticate(token);
        if (!now || !sameRef(now, principal))
          throw new SocketAuthError('invalid_token', 'The session is missing or ended');
        return now;
      },
    };
  }

  const credentialOf = (token: string) =>
    SESSION_TOKEN.test(token) ? sessionCredential(token) : agentCredential(token);

  /**
   * The cookie only rides a handshake a page of Gatehouse's own made: a WebSocket handshake
   * always names its Origin, a same-origin long-polling GET does not but is marked by the
   * browser (Sec-Fetch-Site, which no page can set). Otherwise any site could open a socket as
   * the signed-in person (cross-site WebSocket hijacking).
   */
  function cookieToken(headers: IncomingHttpHeaders): string | undefined {
    const token = cookieValue(headers.cookie, SESSION_COOKIE);
    if (!token) return undefined;
    const origin = headers.origin;
    const ours = origin ? ownOrigins.has(origin) : headers['sec-fetch-site'] === 'same-origin';
    if (!ours)
      throw new SocketAuthError(
        'unauthenticated',
        "The session cookie is accepted only from Gatehouse's own origin: pass auth.token",
      );
    return token;
  }

  return {
    /** The credential of a handshake; spends one request of an agent's rate limit. */
    async handshake(
      given: unknown,
      headers: IncomingHttpHeaders,
      meta: RequestMeta,
    ): Promise<SocketCredential> {
      const token = typeof given === 'string' && given ? given : cookieToken(headers);
      if (!token) throw new SocketAuthError('unauthenticated', 'Pass auth.token: an access or session token');
      const credential = await credentialOf(token);
      if (credential.principal.type === 'agent') {
        const spent = await deps.rateLimits.consumeAgent(credential.principal, meta);
        if (!spent.allowed)
          throw new SocketAuthError(
            'rate_limited',
            `Too many requests from this agent: retry in ${spent.retryAfterSeconds} s`,
          );
      }
      return credential;
    },

    /** A new credential for the same principal (same type, id and org), for auth:refresh. */
    async refresh(current: HubPrincipal, token: string): Promise<SocketCredential> {
      const credential = await credentialOf(token);
      if (!sameRef(credential.principal, current))
        throw new SocketAuthError('wrong_principal', 'The new token is for another principal');
      return credential;
    },
  };
}
export type SocketAuth = ReturnType<typeof createSocketAuth>;
