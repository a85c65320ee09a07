import type { FastifyInstance } from 'fastify';
import { ASSERTION_ALGS } from './client-assertion.js';
import { DPOP_SIGNING_ALGS } from './dpop.js';
import { TOKEN_EXCHANGE_GRANT } from './token-exchange.js';

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];

/**
 * Authorization server metadata (RFC 8414), also served as OpenID discovery. It lists only
 * what this server really does; each capability adds itself here as it lands.
 */
export function authorizationServerMetadata(issuer: string) {
  return {
    issuer,
    token_endpoint: `${issuer}/oauth/token`,
    registration_endpoint: `${issuer}/oauth/register`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    grant_types_supported: ['client_credentials', TOKEN_EXCHANGE_GRANT],
    token_endpoint_auth_methods_supported: AUTH_METHODS,
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
    introspection_endpoint_auth_methods_supported: AUTH_METHODS,
    introspection_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
    revocation_endpoint_auth_methods_supported: AUTH_METHODS,
    revocation_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
    dpop_signing_alg_values_supported: DPOP_SIGNING_ALGS,
    scopes_supported: [
      'gatehouse:admin',
      'gatehouse:agents.read',
      'gatehouse:agents.write',
      'gatehouse:credentials.write',
      'gatehouse:delegations.write',
      'gatehouse:resources.write',
      'gatehouse:audit.read',
      'gatehouse:introspect',
    ],
    response_types_supported: [],
    service_documentation: `${issuer}/docs`,
  };
}

export function registerMetadataRoutes(app: FastifyInstance, issuer: string) {
  const metadata = authorizationServerMetadata(issuer);
  // Gatehouse issues no ID tokens yet, so the OpenID document claims nothing about them.
  const openid = { ...metadata, subject_types_supported: ['public'] };
  const opts = { schema: { hide: true } };
  app.get('/.well-known/oauth-authorization-server', opts, async () => metadata);
  app.get('/.well-known/openid-configuration', opts, async () => openid);
}
