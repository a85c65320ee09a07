import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { metaOf } from '../../platform/http/auth.js';
import { RegistrationError } from './errors.js';
import type { Registration } from './register.js';
import type { InitialAccessToken } from './tables.js';

type Registered = Awaited<ReturnType<Registration['register']>>;

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** The RFC 7591 §3.2.1 answer: the client's credentials and every metadata value registered. */
export function presentRegistered({ agent, issued, client }: Registered) {
  const { credential, secret } = issued;
  return {
    client_id: credential.client_id as string,
    ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
    client_id_issued_at: Math.floor(credential.created_at.getTime() / 1000),
    client_name: agent.display_name,
    token_endpoint_auth_method: client.token_endpoint_auth_method,
    grant_types: client.grant_types,
    scope: client.scopes.join(' '),
    ...(client.jwks ? { jwks: client.jwks } : {}),
    ...(client.jwks_uri ? { jwks_uri: client.jwks_uri } : {}),
    ...(client.software_id ? { software_id: client.software_id } : {}),
    ...(client.software_version ? { software_version: client.software_version } : {}),
    ...(client.contacts ? { contacts: client.contacts } : {}),
  };
}

/**
 * POST /oauth/register in its own plugin scope: JSON bodies (the other OAuth endpoints take
 * forms), and errors as RFC 7591 §3.2.2 bodies rather than problem+json.
 */
export async function registerClientRegistrationRoute(app: FastifyInstance, registration: Registration) {
  await app.register(async (scope) => {
    // Read before the body is: a request without a live token is refused whatever it sends.
    const tokens = new WeakMap<FastifyRequest, InitialAccessToken>();

    scope.setErrorHandler((error: FastifyError, _request, reply) => {
      const known =
        error instanceof RegistrationError
          ? error
          : error.statusCode && error.statusCode < 500
            ? new RegistrationError(
                'invalid_client_metadata',
                error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
                  ? 'send the client metadata as application/json'
                  : error.message,
              )
            : undefined;
      if (!known) throw error;
      if (known.code === 'invalid_token') {
        reply.header(
          'www-authenticate',
          `Bearer error="invalid_token", error_description="${known.description}"`,
        );
      }
      return reply
        .code(known.status)
        .headers(NO_STORE)
        .send({ error: known.code, error_description: known.description });
    });

    scope.post(
      '/oauth/register',
      {
        schema: { hide: true },
        onRequest: async (request) => {
          const bearer = request.headers.authorization?.match(/^Bearer ([^\s]+)$/i)?.[1];
          tokens.set(request, await registration.authenticate(bearer));
        },
      },
      async (request, reply) => {
        const token = tokens.get(request) as InitialAccessToken;
        const registered = await registration.register(token, request.body, metaOf(request));
        return reply.code(201).headers(NO_STORE).send(presentRegistered(registered));
      },
    );
  });
}
