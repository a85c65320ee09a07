import type { RequestMeta } from '../../platform/context.js';
import type { AuthService } from '../auth/service.js';
import type { ClientAuth } from '../credentials/authenticate.js';
import type { DelegationService } from '../delegations/service.js';
import { type AccessTokenVerifier, type ActClaim, chainDepth, InvalidToken } from './access-tokens.js';
import { OAuthError } from './errors.js';
import { grantedScope, type TokenService } from './token-service.js';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

interface Deps {
  tokens: Pick<TokenService, 'issue' | 'activeAgent'>;
  verifier: Pick<AccessTokenVerifier, 'verify'>;
  auth: Pick<AuthService, 'authenticate'>;
  delegations: Pick<DelegationService, 'findActive'>;
}

export interface ExchangeParams {
  subject_token?: string | undefined;
  subject_token_type?: string | undefined;
  actor_token?: string | undefined;
  requested_token_type?: string | undefined;
  scope?: string | undefined;
  resource?: string | undefined;
  jkt?: string | undefined;
}

/** Who a subject token stands for, with what it may pass on. */
interface Subject {
  type: 'agent' | 'user';
  id: string;
  /** null: a signed-in user, limited only by the grant and the actor. */
  scopes: readonly string[] | null;
  act: ActClaim | undefined;
  /** The grants the subject token was itself issued under (a chain), if any. */
  dlg: string[];
  /** Epoch seconds: the delegated token ends no later than its subject token. */
  exp: number;
}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Delegation by token exchange (RFC 8693): the authenticated client's agent (the actor) trades
 * the token of a subject it acts for — an agent's access token or a user's session — for a
 * token whose `sub` is the subject and whose `act` names the actor, nested for chains. An admin's
 * grant must allow the actor for that subject and the chain's depth; the scope is what the
 * subject has, the actor may have and the grant allows, narrowed to what was asked.
 */
export function createTokenExchange(deps: Deps) {
  async function subjectOf(actor: ClientAuth, token: string): Promise<Subject> {
    const refused = (why: string) => new OAuthError('invalid_grant', `subject_token refused: ${why}`);
    if (!JWT.test(token)) {
      const user = await deps.auth.authenticate(token);
      if (!user || user.orgId !== actor.orgId) throw refused('not an active token of this organization');
      return {
        type: 'user',
        id: user.userId,
        scopes: null,
        act: undefined,
        dlg: [],
        exp: Math.floor(user.expiresAt.getTime() / 1000),
      };
    }
    try {
      const claims = await deps.verifier.verify(token);
      if (claims.org_id !== actor.orgId) throw refused('not an active token of this organization');
      return {
        type: claims.sub.startsWith('agt_') ? 'agent' : 'user',
        id: claims.sub,
        scopes: claims.scope.split(' ').filter(Boolean),
        act: claims.act,
        dlg: claims.dlg ?? [],
        exp: claims.exp,
      };
    } catch (err) {
      if (err instanceof InvalidToken) throw refused(err.reason);
      throw err;
    }
  }

  return async function exchange(actor: ClientAuth, params: ExchangeParams, meta: RequestMeta) {
    if (!params.subject_token) throw new OAuthError('invalid_request', 'subject_token is required');
    const type = params.subject_token_type;
    if (type !== ACCESS_TOKEN_TYPE && type !== JWT_TOKEN_TYPE) {
      throw new OAuthError('invalid_request', `subject_token_type must be ${ACCESS_TOKEN_TYPE}`);
    }
    if (params.actor_token) {
      throw new OAuthError(
        'invalid_request',
        'actor_token is not used: the authenticated client is the actor',
      );
    }
    if (params.requested_token_type && params.requested_token_type !== ACCESS_TOKEN_TYPE) {
      throw new OAuthError('invalid_request', `only ${ACCESS_TOKEN_TYPE} can be issued`);
    }
    const agent = await deps.tokens.activeAgent(actor);
    const subject = await subjectOf(actor, params.subject_token);

    const chain = [subject.id];
    for (let a = subject.act; a; a = a.act) chain.push(a.sub);
    if (chain.includes(agent.id)) {
      throw new OAuthError('invalid_grant', 'the actor is already the subject or in its delegation chain');
    }
    const grant = await deps.delegations.findActive(actor.orgId, agent.id, subject.type, subject.id);
    if (!grant)
      throw new OAuthError('invalid_grant', 'no delegation grant lets this client act for the subject');
    const depth = chainDepth(subject) + 1;
    if (depth > grant.max_depth) {
      throw new OAuthError(
        'invalid_grant',
        `the delegation chain would be ${depth} deep; the grant allows ${grant.max_depth}`,
      );
    }

    const available = agent.allowedScopes.filter(
      (s) =>
        (subject.scopes === null || subject.scopes.includes(s)) &&
        (grant.scopes === null || grant.scopes.includes(s)),
    );
    const scope = grantedScope(params.scope, available);
    const act: ActClaim = {
      sub: agent.id,
      client_id: actor.clientId,
      ...(subject.act ? { act: subject.act } : {}),
    };
    const issued = await deps.tokens.issue(
      {
        client: actor,
        agent,
        sub: subject.id,
        scope,
        resource: params.resource,
        notAfter: subject.exp,
        act,
        dlg: [...subject.dlg, grant.id],
        jkt: params.jkt,
        grant: TOKEN_EXCHANGE_GRANT,
        action: 'token.exchanged',
        details: { delegation_id: grant.id, depth, act },
      },
      meta,
    );
    return { ...issued.answer, issued_token_type: ACCESS_TOKEN_TYPE };
  };
}
export type TokenExchange = ReturnType<typeof createTokenExchange>;
