import { randomUUID } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { RequestMeta } from '../../platform/context.js';
import type { Db } from '../../platform/db/database.js';
import type { AgentService } from '../agents/service.js';
import type { AuditService } from '../audit/service.js';
import type { ClientAuth } from '../credentials/authenticate.js';
import type { KeyService } from '../keys/service.js';
import { OAuthError } from './errors.js';

interface Deps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  agents: AgentService;
  keys: KeyService;
  issuer: string;
  /** `aud` when the request names no resource. */
  defaultAudience: string;
}

const API_KEY_SESSION_SECONDS = 900;

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Parses a requested `scope` (RFC 6749 §3.3) and checks it against what the agent may have. */
function grantedScope(requested: string | undefined, allowed: readonly string[]): string[] {
  if (requested === undefined) return [...allowed];
  const asked = [...new Set(requested.split(' ').filter(Boolean))];
  if (asked.some((s) => !SCOPE_TOKEN.test(s))) throw new OAuthError('invalid_scope', 'malformed scope');
  const refused = asked.filter((s) => !allowed.includes(s));
  if (refused.length)
    throw new OAuthError('invalid_scope', `scope not allowed for this client: ${refused.join(' ')}`);
  return asked;
}

/**
 * Issues RFC 9068 JWT access tokens. Each step is small and named, in the order the
 * grant runs: the client is active, the scope is allowed, the token is signed, the
 * issuance is recorded durably, then answered.
 */
export function createTokenService(deps: Deps) {
  /** Signs a token for an authenticated client of an active agent, records it durably, answers it. */
  async function issue(
    client: ClientAuth,
    params: { scope?: string | undefined; resource?: string | undefined; ttlSeconds?: number; grant: string },
    meta: RequestMeta,
  ) {
    const agent = await deps.agents.getActive(client.orgId, client.agentId);
    if (!agent) throw new OAuthError('invalid_client', 'the client is suspended, archived or gone');
    const scope = grantedScope(params.scope, agent.allowedScopes);
    if (params.resource !== undefined) {
      throw new OAuthError('invalid_target', 'no resource server is registered for this resource');
    }
    const ttl = Math.min(params.ttlSeconds ?? agent.tokenTtlSeconds, agent.tokenTtlSeconds);
    const now = Math.floor(deps.clock.now().getTime() / 1000);
    const jti = randomUUID();
    const claims = {
      iss: deps.issuer,
      sub: agent.id,
      aud: deps.defaultAudience,
      exp: now + ttl,
      iat: now,
      nbf: now,
      jti,
      client_id: client.clientId,
      scope: scope.join(' '),
      org_id: client.orgId,
    };
    const accessToken = await deps.keys.sign(client.orgId, 'at+jwt', claims);
    // Acknowledged only once its record is durable.
    await deps.db.tenant(client.orgId, (trx) =>
      deps.audit.record(trx, {
        orgId: client.orgId,
        actor: { type: 'agent', id: agent.id },
        action: 'token.issued',
        target: { type: 'token', id: jti },
        details: {
          grant_type: params.grant,
          client_id: client.clientId,
          scope: claims.scope,
          exp: claims.exp,
        },
        meta,
      }),
    );
    return {
      answer: {
        access_token: accessToken,
        token_type: 'Bearer' as const,
        expires_in: ttl,
        scope: claims.scope,
      },
      exp: claims.exp,
    };
  }

  return {
    clientCredentials: (
      client: ClientAuth,
      params: { scope?: string | undefined; resource?: string | undefined },
      meta: RequestMeta,
    ) => issue(client, { ...params, grant: 'client_credentials' }, meta).then((issued) => issued.answer),

    /** The AgentHub flow: an API key traded for a token of at most 15 minutes. */
    apiKeySession: (client: ClientAuth, meta: RequestMeta) =>
      issue(client, { ttlSeconds: API_KEY_SESSION_SECONDS, grant: 'api_key_session' }, meta).then(
        (issued) => ({
          ...issued.answer,
          expires_at: new Date(issued.exp * 1000).toISOString(),
        }),
      ),
  };
}
export type TokenService = ReturnType<typeof createTokenService>;
