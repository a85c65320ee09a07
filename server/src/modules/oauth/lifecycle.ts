import type { Clock } from '../../platform/clock.js';
import type { RequestMeta } from '../../platform/context.js';
import type { Db } from '../../platform/db/database.js';
import type { AuditService } from '../audit/service.js';
import type { ClientAuth } from '../credentials/authenticate.js';
import { type AccessTokenClaims, type AccessTokenVerifier, InvalidToken } from './access-tokens.js';
import { OAuthError } from './errors.js';
import type { RevocationList } from './revocations.js';

interface Deps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  verifier: AccessTokenVerifier;
  revocations: RevocationList;
  agents: { getActive(orgId: string, agentId: string): Promise<{ allowedScopes: readonly string[] } | null> };
}

/** The scope a client's agent must be allowed to introspect tokens (RFC 7662 §2.1). */
export const INTROSPECT_SCOPE = 'gatehouse:introspect';

/** RFC 7662 §2.2 answer for a live token; the cnf member tells a resource server it is DPoP-bound. */
const introspection = (c: AccessTokenClaims) => ({
  active: true as const,
  iss: c.iss,
  sub: c.sub,
  aud: c.aud,
  exp: c.exp,
  iat: c.iat,
  nbf: c.nbf,
  jti: c.jti,
  client_id: c.client_id,
  scope: c.scope,
  org_id: c.org_id,
  token_type: c.cnf ? 'DPoP' : 'Bearer',
  ...(c.act ? { act: c.act } : {}),
  ...(c.cnf ? { cnf: c.cnf } : {}),
});

/** Introspection (RFC 7662) and revocation (RFC 7009) of access tokens, for authenticated clients. */
export function createTokenLifecycle(deps: Deps) {
  const { db, audit, verifier, revocations } = deps;

  return {
    /**
     * Whether `token` is active, for a client allowed to ask. A token of another org is
     * inactive to it: introspection must not cross tenants.
     */
    async introspect(caller: ClientAuth, token: string) {
      const agent = await deps.agents.getActive(caller.orgId, caller.agentId);
      if (!agent?.allowedScopes.includes(INTROSPECT_SCOPE)) {
        throw new OAuthError('unauthorized_client', `the client needs the ${INTROSPECT_SCOPE} scope`);
      }
      try {
        const claims = await verifier.verify(token);
        return claims.org_id === caller.orgId ? introspection(claims) : { active: false as const };
      } catch (err) {
        if (err instanceof InvalidToken) return { active: false as const };
        throw err;
      }
    },

    /**
     * Revokes a token the caller was issued (RFC 7009 §2.1). An invalid or expired token needs
     * nothing and answers success; another client's token is refused. The revocation is durable
     * before it is acknowledged, and cached for the token's remaining life.
     */
    async revoke(caller: ClientAuth, token: string, meta: RequestMeta) {
      let claims: AccessTokenClaims;
      try {
        claims = await verifier.decode(token);
      } catch (err) {
        if (err instanceof InvalidToken) return;
        throw err;
      }
      if (claims.org_id !== caller.orgId || claims.client_id !== caller.clientId) {
        throw new OAuthError('unauthorized_client', 'the token was not issued to this client');
      }
      if (claims.exp * 1000 <= deps.clock.now().getTime()) return;
      await db.tenant(claims.org_id, async (trx) => {
        await revocations.record(trx, {
          jti: claims.jti,
          orgId: claims.org_id,
          exp: claims.exp,
          by: caller.clientId,
        });
        await audit.record(trx, {
          orgId: claims.org_id,
          actor: { type: 'agent', id: caller.agentId },
          action: 'token.revoked',
          target: { type: 'token', id: claims.jti },
          details: { client_id: caller.clientId, sub: claims.sub, exp: claims.exp },
          meta,
        });
      });
      await revocations.cache(claims.jti, claims.exp);
    },
  };
}
export type TokenLifecycle = ReturnType<typeof createTokenLifecycle>;
