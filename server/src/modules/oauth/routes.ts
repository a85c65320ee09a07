import type { FastifyError, FastifyInstance } from 'fastify';
import { metaOf } from '../../platform/http/auth.js';
import type { AuthenticateClient } from './client-auth.js';
import { OAuthError } from './errors.js';
import { formParams, registerFormParser } from './form.js';
import type { TokenLifecycle } from './lifecycle.js';
import type { TokenService } from './token-service.js';

interface Deps {
  tokens: TokenService;
  lifecycle: TokenLifecycle;
  authenticateClient: AuthenticateClient;
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

    oauth.post('/oauth/token', { schema: { hide: true } }, async (request, reply) => {
      const params = formParams(request.body);
      const grant = params.grant_type;
      if (!grant) throw new OAuthError('invalid_request', 'grant_type is required');
      if (grant !== 'client_credentials') {
        throw new OAuthError('unsupported_grant_type', `grant_type ${grant} is not supported`);
      }
      const client = await deps.authenticateClient(request, params);
      const answer = await deps.tokens.clientCredentials(
        client,
        { scope: params.scope, resource: params.resource },
        metaOf(request),
      );
      return reply.headers(NO_STORE).send(answer);
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
