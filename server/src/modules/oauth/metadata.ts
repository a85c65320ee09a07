import type { FastifyInstance } from 'fastify';
import { ASSERTION_ALGS } from './client-assertion.js';

/**
 * Authorization server metadata (RFC 8414), also served as OpenID discovery. It lists only
 * what this server really does; each capability adds itself here as it lands.
 */
export function authorizationServerMetadata(issuer: string) {
  return {
    issuer,
    token_endpoint: `${issuer}/oauth/token`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
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
