import { randomUUID } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { RequestMeta } from '../../platform/context.js';
import type { AgentRecord } from '../agents/cache.js';
import type { AgentService } from '../agents/service.js';
import type { AuditGroupCommit } from '../audit/group-commit.js';
import type { AuditEvent } from '../audit/service.js';
import type { ClientAuth } from '../credentials/authenticate.js';
import type { KeyService } from '../keys/service.js';
import type { AccessTokenClaims, ActClaim } from './access-tokens.js';
import { OAuthError } from './errors.js';

interface Deps {
  clock: Clock;
  /** Issuance records, committed in groups: they are the token path's only write. */
  auditCommits: AuditGroupCommit;
  agents: Pick<AgentService, 'getActive'>;
  keys: Pick<KeyService, 'sign'>;
  resources: { isRegistered(orgId: string, uri: string): Promise<boolean> };
  issuer: string;
  /** `aud` when the request names no resource. */
  defaultAudience: string;
  /** False: client_credentials issuances go unrecorded (GATEHOUSE_AUDIT_TOKEN_ISSUANCE). */
  auditIssuance?: boolean;
}

const API_KEY_SESSION_SECONDS = 900;

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Parses a requested `scope` (RFC 6749 §3.3) and checks it against what may be granted. */
export function grantedScope(requested: string | undefined, allowed: readonly string[]): string[] {
  if (requested === undefined) return [...allowed];
  const asked = [...new Set(requested.split(' ').filter(Boolean))];
  if (asked.some((s) => !SCOPE_TOKEN.test(s))) throw new OAuthError('invalid_scope', 'malformed scope');
  const refused = asked.filter((s) => !allowed.includes(s));
  if (refused.length) throw new OAuthError('invalid_scope', `scope not allowed here: ${refused.join(' ')}`);
  return asked;
}

/** What a grant has decided before a token is signed. */
export interface Issuance {
  client: ClientAuth;
  /** The agent the client belongs to: the token's holder (and its actor when delegated). */
  agent: AgentRecord;
  sub: string;
  scope: string[];
  resource?: string | undefined;
  /** Seconds the token lives at most; the agent's own lifetime caps it. */
  ttlSeconds?: number;
  /** Epoch seconds the token must not outlive (a delegated token ends with its subject token). */
  notAfter?: number;
  act?: ActClaim;
  /** The delegation grants the token is issued under (token exchange), outermost last. */
  dlg?: string[];
  /** RFC 9449 §6: the thumbprint of the DPoP key the token is bound to. */
  jkt?: string | undefined;
  grant: string;
  details?: Record<string, unknown>;
  action?: string;
}

/**
 * Issues RFC 9068 JWT access tokens. Each grant decides who the token is for and with what
 * scope; `issue` then checks the audience, signs, records the issuance durably, and answers.
 */
export function createTokenService(deps: Deps) {
  async function audienceOf(orgId: string, resource: string | undefined): Promise<string> {
    if (resource === undefined) return deps.defaultAudience;
    if (resource === deps.issuer) return resource;
    if (!(await deps.resources.isRegistered(orgId, resource))) {
      throw new OAuthError('invalid_target', 'no resource server is registered for this resource');
    }
    return resource;
  }

  /** The client's agent, when it is active; invalid_client otherwise. */
  async function activeAgent(client: ClientAuth) {
    const agent = await deps.agents.getActive(client.orgId, client.agentId);
    if (!agent) throw new OAuthError('invalid_client', 'the client is suspended, archived or gone');
    return agent;
  }

  async function issue(i: Issuance, meta: RequestMeta) {
    const { client, agent } = i;
    const aud = await audienceOf(client.orgId, i.resource);
    const now = Math.floor(deps.clock.now().getTime() / 1000);
    const exp = Math.min(
      now + Math.min(i.ttlSeconds ?? agent.tokenTtlSeconds, agent.tokenTtlSeconds),
      i.notAfter ?? Infinity,
    );
    const jti = randomUUID();
    const claims: AccessTokenClaims = {
      iss: deps.issuer,
      sub: i.sub,
      aud,
      exp,
      iat: now,
      nbf: now,
      jti,
      client_id: client.clientId,
      scope: i.scope.join(' '),
      org_id: client.orgId,
      ...(i.act ? { act: i.act } : {}),
      ...(i.jkt ? { cnf: { jkt: i.jkt } } : {}),
      ...(i.dlg ? { dlg: i.dlg } : {}),
    };
    const accessToken = await deps.keys.sign(client.orgId, 'at+jwt', { ...claims });
    const event: AuditEvent = {
      orgId: client.orgId,
      // A delegated token is issued to the actor, for the subject: the record names both.
      actor: { type: 'agent', id: agent.id, ...(i.act ? { chain: { sub: i.sub, act: i.act } } : {}) },
      action: i.action ?? 'token.issued',
      target: { type: 'token', id: jti },
      details: {
        grant_type: i.grant,
        client_id: client.clientId,
        sub: i.sub,
        aud,
        scope: claims.scope,
        exp,
        ...(i.jkt ? { dpop_jkt: i.jkt } : {}),
        ...i.details,
      },
      meta,
    };
    // Acknowledged only once its record is durable (committed with whatever else was waiting).
    if (deps.auditIssuance !== false || i.action) await deps.auditCommits.append(event);
    return {
      answer: {
        access_token: accessToken,
        token_type: i.jkt ? ('DPoP' as const) : ('Bearer' as const),
        expires_in: exp - now,
        scope: claims.scope,
      },
      exp,
    };
  }

  return {
    issue,
    activeAgent,

    async clientCredentials(
      client: ClientAuth,
      params: { scope?: string | undefined; resource?: string | undefined; jkt?: string | undefined },
      meta: RequestMeta,
    ) {
      const agent = await activeAgent(client);
      const scope = grantedScope(params.scope, agent.allowedScopes);
      const issued = await issue(
        {
          client,
          agent,
          sub: agent.id,
          scope,
          resource: params.resource,
          jkt: params.jkt,
          grant: 'client_credentials',
        },
        meta,
      );
      return issued.answer;
    },

    /** The AgentHub flow: an API key traded for a token of at most 15 minutes. */
    async apiKeySession(client: ClientAuth, meta: RequestMeta) {
      const agent = await activeAgent(client);
      const issued = await issue(
        {
          client,
          agent,
          sub: agent.id,
          scope: [...agent.allowedScopes],
          ttlSeconds: API_KEY_SESSION_SECONDS,
          grant: 'api_key_session',
        },
        meta,
      );
      // Never DPoP-bound: the AgentHub flow presents the token as a bearer.
      return {
        ...issued.answer,
        token_type: 'Bearer' as const,
        expires_at: new Date(issued.exp * 1000).toISOString(),
      };
    },
  };
}
export type TokenService = ReturnType<typeof createTokenService>;
