import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { metaOf } from '../../platform/http/auth.js';
import type { AuditGroupCommit } from '../audit/group-commit.js';
import type { ClientAuth } from '../credentials/authenticate.js';
import type { AuthenticateClient } from './client-auth.js';
import { DpopError, type DpopVerifier } from './dpop.js';
import { OAuthError } from './errors.js';
import { formParams, registerFormParser } from './form.js';
import type { TokenLifecycle } from './lifecycle.js';
import { TOKEN_EXCHANGE_GRANT, type TokenExchange } from './token-exchange.js';
import type { TokenService } from './token-service.js';

interface Deps {
  tokens: TokenService;
  exchange: TokenExchange;
  lifecycle: TokenLifecycle;
  authenticateClient: AuthenticateClient;
  dpop: DpopVerifier;
  issuer: string;
  auditCommits: AuditGroupCommit;
}

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/**
 * The OAuth endpoints, in their own plugin scope: form bodies, and errors as RFC 6749 §5.2
 * bodies rather than problem+json. Anything unexpected goes on to the app's handler (a 500).
 */
export async function registerOAuthRoutes(app: FastifyInstance, deps: Deps) {
  await app.register(async (oauth) => {
    registerFormParser(oauth);
    oauth.setErrorHandler((error: FastifyError, _request, reply) => {
      const known =
        error instanceof OAuthError
          ? error
          : error.statusCode && error.statusCode < 500
            ? new OAuthError(
                'invalid_request',
                error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
                  ? 'send the parameters as application/x-www-form-urlencoded'
                  : error.message,
              )
            : undefined;
      if (!known) throw error;
      if (known.challenge) reply.header('www-authenticate', `${known.challenge} realm="gatehouse"`);
      return reply
        .code(known.status)
        .headers(NO_STORE)
        .send({ error: known.code, error_description: known.description });
    });

    /**
     * A DPoP proof on a token request binds the token to its key (RFC 9449 §5); the thumbprint,
     * or undefined for a plain bearer request.
     */
    async function dpopKey(request: FastifyRequest, reply: FastifyReply): Promise<string | undefined> {
      const proof = request.headers.dpop;
      if (proof === undefined) return undefined;
      if (typeof proof !== 'string')
        throw new OAuthError('invalid_dpop_proof', 'send exactly one DPoP header');
      try {
        const { jkt } = await deps.dpop.verify(proof, { htm: 'POST', htu: `${deps.issuer}/oauth/token` });
        reply.header('dpop-nonce', deps.dpop.nonce());
        return jkt;
      } catch (err) {
        if (!(err instanceof DpopError)) throw err;
        if (err.code === 'use_dpop_nonce') reply.header('dpop-nonce', deps.dpop.nonce());
        throw new OAuthError(err.code, err.description);
      }
    }

    /**
     * A refused token request is recorded too: in the client's org once it has authenticated,
     * outside any org before. The refusal is answered even if its record cannot be written.
     */
    async function recordRefusal(
      request: FastifyRequest,
      params: Record<string, string | undefined>,
      client: ClientAuth | undefined,
      err: OAuthError,
    ) {
      await deps.auditCommits
        .append({
          orgId: client?.orgId ?? null,
          actor: client ? { type: 'agent', id: client.agentId } : { type: 'anonymous', id: null },
          action: 'token.refused',
          outcome: 'failure',
          details: {
            grant_type: params.grant_type ?? null,
            error: err.code,
            error_description: err.description,
            // As presented when authentication failed: unverified.
            client_id: client?.clientId ?? params.client_id ?? null,
          },
          meta: metaOf(request),
        })
        .catch((e: Error) => request.log.error({ err: e.message }, 'token refusal not recorded'));
    }

    oauth.post('/oauth/token', { schema: { hide: true } }, async (request, reply) => {
      const params = formParams(request.body);
      let client: ClientAuth | undefined;
      try {
        const grant = params.grant_type;
        if (!grant) throw new OAuthError('invalid_request', 'grant_type is required');
        if (grant !== 'client_credentials' && grant !== TOKEN_EXCHANGE_GRANT) {
          throw new OAuthError('unsupported_grant_type', `grant_type ${grant} is not supported`);
        }
        client = await deps.authenticateClient(request, params);
        const jkt = await dpopKey(request, reply);
        const meta = metaOf(request);
        const answer =
          grant === 'client_credentials'
            ? await deps.tokens.clientCredentials(
                client,
                { scope: params.scope, resource: params.resource, jkt },
                meta,
              )
            : await deps.exchange(client, { ...params, jkt }, meta);
        return reply.headers(NO_STORE).send(answer);
      } catch (err) {
        if (err instanceof OAuthError) await recordRefusal(request, params, client, err);
        throw err;
      }
    });

    oauth.post('/oauth/introspect', { schema: { hide: true } }, async (request, reply) => {
      const params = formParams(request.body);
      const client = await deps.authenticateClient(request, params);
      if (!params.token) throw new OAuthError('invalid_request', 'token is required');
      return reply.headers(NO_STORE).send(await deps.lifecycle.introspect(client, params.token));
    });

    oauth.post('/oauth/revoke', { schema: { hide: true } }, async (request, reply) => {
      const params = formParams(request.body);
      const client = await deps.authenticateClient(request, params);
      if (!params.token) throw new OAuthError('invalid_request', 'token is required');
      // The hint is optional and only an optimization (RFC 7009 §2.1): every token here is an access token.
      await deps.lifecycle.revoke(client, params.token, metaOf(request));
      return reply.headers(NO_STORE).code(200).send();
    });
  });
}
