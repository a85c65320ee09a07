import { OAuthError } from './errors.js';

/** Authorization server metadata (RFC 8414): the members the SDK reads, and any others. */
export interface ServerMetadata {
  issuer: string;
  token_endpoint: string;
  jwks_uri?: string;
  token_endpoint_auth_methods_supported?: string[];
  grant_types_supported?: string[];
  dpop_signing_alg_values_supported?: string[];
  introspection_endpoint?: string;
  revocation_endpoint?: string;
  [member: string]: unknown;
}

/** Where an issuer publishes its metadata; Gatehouse serves it under its own base URL. */
export function metadataUrl(issuer: string): string {
  return `${issuer}/.well-known/oauth-authorization-server`;
}

/**
 * Fetches and checks an issuer's metadata. The `issuer` in it must equal the configured one
 * (RFC 8414 §3.3), or a look-alike document could redirect tokens elsewhere.
 */
export async function discover(issuer: string, fetchImpl: typeof fetch): Promise<ServerMetadata> {
  const res = await fetchImpl(metadataUrl(issuer), { headers: { accept: 'application/json' } });
  if (!res.ok) {
    throw new OAuthError('invalid_response', `metadata answered HTTP ${res.status}`, res.status);
  }
  const meta = (await res.json().catch(() => undefined)) as Partial<ServerMetadata> | undefined;
  if (!meta || typeof meta.token_endpoint !== 'string') {
    throw new OAuthError('invalid_response', 'metadata has no token_endpoint', res.status);
  }
  if (meta.issuer !== issuer) {
    throw new OAuthError(
      'invalid_response',
      `metadata names issuer ${meta.issuer}, not ${issuer}`,
      res.status,
    );
  }
  return meta as ServerMetadata;
}
