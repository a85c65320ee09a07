import type { FastifyRequest } from 'fastify';
import type { ClientAuth, ClientAuthenticator } from '../credentials/authenticate.js';
import {
  type AssertionDeps,
  createClientAssertionVerifier,
  JWT_BEARER_ASSERTION,
} from './client-assertion.js';
import { OAuthError } from './errors.js';

export interface PresentedSecret {
  method: 'client_secret_basic' | 'client_secret_post';
  clientId: string;
  secret: string;
}

/** Decodes one half of HTTP Basic client credentials, which RFC 6749 §2.3.1 form-encodes first. */
function formDecode(part: string): string {
  try {
    return decodeURIComponent(part.replaceAll('+', ' '));
  } catch {
    throw new OAuthError('invalid_request', 'malformed client credentials in Authorization', 'Basic');
  }
}

/**
 * Which client secret the request carries: HTTP Basic or the body, never both
 * (RFC 6749 §2.3: one method per request). Missing credentials are invalid_client.
 */
export function presentedSecret(
  request: FastifyRequest,
  params: Record<string, string | undefined>,
): PresentedSecret {
  const header = request.headers.authorization;
  const basic = header?.match(/^Basic ([A-Za-z0-9+/=]+)$/i)?.[1];
  if (header && !basic) throw new OAuthError('invalid_request', 'unsupported Authorization scheme');
  if (basic) {
    if (params.client_secret) throw new OAuthError('invalid_request', 'use one client authentication method');
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0)
      throw new OAuthError('invalid_request', 'malformed client credentials in Authorization', 'Basic');
    const clientId = formDecode(decoded.slice(0, colon));
    if (params.client_id && params.client_id !== clientId) {
      throw new OAuthError('invalid_request', 'client_id differs from the authenticated client');
    }
    return { method: 'client_secret_basic', clientId, secret: formDecode(decoded.slice(colon + 1)) };
  }
  if (params.client_id && params.client_secret) {
    return { method: 'client_secret_post', clientId: params.client_id, secret: params.client_secret };
  }
  throw new OAuthError('invalid_client', 'client authentication is required');
}

interface Deps extends Omit<AssertionDeps, 'credentials'> {
  credentials: Pick<ClientAuthenticator, 'authenticateSecret' | 'findClient' | 'markUsed'>;
}

/**
 * A client_assertion (private_key_jwt), when the request carries one: then it must be the only
 * client authentication, and of the one assertion type this server takes.
 */
function presentedAssertion(request: FastifyRequest, params: Record<string, string | undefined>) {
  const { client_assertion: assertion, client_assertion_type: type } = params;
  if (!assertion) {
    if (type) throw new OAuthError('invalid_request', 'client_assertion_type without client_assertion');
    return undefined;
  }
  if (request.headers.authorization || params.client_secret) {
    throw new OAuthError('invalid_request', 'use one client authentication method');
  }
  if (type !== JWT_BEARER_ASSERTION) {
    throw new OAuthError('invalid_request', `client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
  }
  return assertion;
}

/**
 * Client authentication for every OAuth endpoint (token, introspection, revocation): one
 * function, so each endpoint accepts the same methods and refuses the same way.
 */
export function createClientAuthentication(deps: Deps) {
  const { credentials } = deps;
  const verifyAssertion = createClientAssertionVerifier(deps);

  return async function authenticateClient(
    request: FastifyRequest,
    params: Record<string, string | undefined>,
  ): Promise<ClientAuth> {
    const assertion = presentedAssertion(request, params);
    if (assertion) {
      const client = await verifyAssertion(assertion, params.client_id);
      credentials.markUsed(client);
      return client;
    }
    const presented = presentedSecret(request, params);
    const client = await credentials.authenticateSecret(presented.clientId, presented.secret);
    if (!client) {
      throw new OAuthError(
        'invalid_client',
        'client authentication failed',
        presented.method === 'client_secret_basic' ? 'Basic' : undefined,
      );
    }
    return client;
  };
}
export type AuthenticateClient = ReturnType<typeof createClientAuthentication>;
