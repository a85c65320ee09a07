import { SignJWT } from 'jose';
import { algOf, type PrivateKey, signingKey } from './keys.js';

/** A client secret, sent with HTTP Basic (`client_secret_basic`, the default) or in the body. */
export interface ClientSecretAuth {
  type: 'client_secret';
  secret: string;
  /** `client_secret_basic` unless the server only accepts `client_secret_post`. */
  method?: 'client_secret_basic' | 'client_secret_post';
}

/** RFC 7523 `private_key_jwt`: each request carries a short assertion signed with this key. */
export interface PrivateKeyJwtAuth {
  type: 'private_key_jwt';
  /** The private key whose public half is registered with the credential. */
  privateKey: PrivateKey;
  /** The JWS alg; inferred from the key (EdDSA, ES256, RS256…) when left out. */
  alg?: string;
  /** The `kid` of the registered public key; taken from a JWK's `kid` when left out. */
  kid?: string;
}

export type ClientAuth = ClientSecretAuth | PrivateKeyJwtAuth;

/** What client authentication adds to a token request. */
export interface Authentication {
  headers: Record<string, string>;
  params: Record<string, string>;
}

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Long enough for clock skew, short enough that a leaked assertion is soon worthless. */
const ASSERTION_LIFETIME_S = 60;

/** application/x-www-form-urlencoded, as RFC 6749 §2.3.1 asks of both halves of Basic credentials. */
function formEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll('%20', '+');
}

export function basicAuthorization(clientId: string, secret: string): string {
  // Both halves are ASCII once form-encoded, so btoa needs no UTF-8 step.
  return `Basic ${btoa(`${formEncode(clientId)}:${formEncode(secret)}`)}`;
}

/** Makes the per-request client authentication for one client. */
export function clientAuthentication(
  clientId: string,
  auth: ClientAuth,
  now: () => number,
): (tokenEndpoint: string) => Promise<Authentication> {
  if (auth.type === 'client_secret') {
    const answer: Authentication =
      auth.method === 'client_secret_post'
        ? { headers: {}, params: { client_id: clientId, client_secret: auth.secret } }
        : { headers: { authorization: basicAuthorization(clientId, auth.secret) }, params: {} };
    return async () => answer;
  }
  if (auth.type !== 'private_key_jwt')
    throw new TypeError('auth.type must be client_secret or private_key_jwt');
  const alg = auth.alg ?? algOf(auth.privateKey);
  if (!alg) throw new TypeError('cannot tell the alg of auth.privateKey: give auth.alg');
  const kid = auth.kid ?? ('kty' in auth.privateKey ? auth.privateKey.kid : undefined);
  let key: ReturnType<typeof signingKey> | undefined;
  return async (tokenEndpoint) => {
    key ??= signingKey(auth.privateKey, alg);
    const iat = Math.floor(now() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg, typ: 'JWT', ...(kid ? { kid } : {}) })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(tokenEndpoint)
      .setJti(crypto.randomUUID())
      .setIssuedAt(iat)
      .setExpirationTime(iat + ASSERTION_LIFETIME_S)
      .sign(await key);
    return {
      headers: {},
      params: {
        client_id: clientId,
        client_assertion_type: JWT_BEARER_ASSERTION,
        client_assertion: assertion,
      },
    };
  };
}
