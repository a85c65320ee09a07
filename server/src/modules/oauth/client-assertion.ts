import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  jwtVerify,
} from 'jose';
import type { Clock } from '../../platform/clock.js';
import type { EphemeralStore } from '../../platform/store/store.js';
import type { ClientAuth, ClientAuthenticator } from '../credentials/authenticate.js';
import type { Jwks } from '../credentials/tables.js';
import { OAuthError } from './errors.js';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/**
 * Asymmetric only: `none` proves nothing, and an HS* key would have to be a shared secret.
 * Ed25519 is EdDSA's fully-specified name (RFC 9864), the one oauth4webapi signs with.
 */
export const ASSERTION_ALGS: readonly string[] = Object.freeze([
  'EdDSA',
  'Ed25519',
  'ES256',
  'ES384',
  'RS256',
  'PS256',
]);
const ALGORITHMS = [...ASSERTION_ALGS];
const SKEW_S = 30;
/** An assertion is made for one request: a longer-lived one is a reusable credential in disguise. */
const MAX_LIFETIME_S = 300;
const MAX_ASSERTION_LENGTH = 8192;
const MAX_JTI_LENGTH = 256;
const MAX_REMOTE_SETS = 500;
const JWKS_URI_TIMEOUT_MS = 2000;

export interface AssertionDeps {
  credentials: Pick<ClientAuthenticator, 'findClient'>;
  store: EphemeralStore;
  clock: Clock;
  issuer: string;
}

const invalid = (description: string) => new OAuthError('invalid_client', description);

/** What a verification failure from jose means to the client, in words it can act on. */
function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'client_assertion has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return 'client_assertion aud must be the issuer or the token endpoint';
    if (err.claim === 'nbf') return 'client_assertion is not valid yet (nbf)';
    return `client_assertion ${err.claim} claim is missing or invalid`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed)
    return `client_assertion alg must be one of ${ASSERTION_ALGS.join(', ')}`;
  if (err instanceof errors.JWKSNoMatchingKey) return "no key of the client's matches the client_assertion";
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return 'client_assertion signature does not verify';
  return 'client_assertion is not a valid signed JWT';
}

/**
 * With several keys and no `kid` to choose between them (a client rolling its own keys), each
 * candidate is tried rather than refusing the assertion.
 */
async function verifyWithAnyKey(jwt: string, keys: JWTVerifyGetKey, options: JWTVerifyOptions) {
  try {
    return await jwtVerify(jwt, keys, options);
  } catch (err) {
    if (!(err instanceof errors.JWKSMultipleMatchingKeys)) throw err;
    for await (const key of err) {
      try {
        return await jwtVerify(jwt, key, options);
      } catch (inner) {
        if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}

/**
 * private_key_jwt (RFC 7523 §2.2, OIDC Core §9): verifies a client_assertion against the keys
 * the client registered, and returns the authenticated client. Every refusal is invalid_client.
 */
export function createClientAssertionVerifier(deps: AssertionDeps) {
  const { credentials, store, clock, issuer } = deps;
  const audience = [issuer, `${issuer}/oauth/token`];
  // Cached values are frozen and replaced (not changed) on a credential change, so a set keyed
  // by the object can never verify with keys the client no longer has.
  const localSets = new WeakMap<Jwks, JWTVerifyGetKey>();
  // One resolver per URI, so its fetched keys are reused; least recently used goes first.
  const remoteSets = new Map<string, JWTVerifyGetKey>();

  function localSet(jwks: Jwks) {
    let set = localSets.get(jwks);
    if (!set) {
      set = createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
      localSets.set(jwks, set);
    }
    return set;
  }

  function remoteSet(uri: string): JWTVerifyGetKey {
    let set = remoteSets.get(uri);
    if (set) remoteSets.delete(uri);
    else {
      const remote = createRemoteJWKSet(new URL(uri), { timeoutDuration: JWKS_URI_TIMEOUT_MS });
      set = async (header, token) => {
        try {
          return await remote(header, token);
        } catch (err) {
          if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys)
            throw err;
          // The client's endpoint failing is the client's problem, not a server error.
          throw invalid("the client's jwks_uri could not be fetched or holds no usable key set");
        }
      };
    }
    remoteSets.set(uri, set);
    if (remoteSets.size > MAX_REMOTE_SETS) remoteSets.delete(remoteSets.keys().next().value as string);
    return set;
  }

  /** iss and sub name the client; a client_id parameter, when sent, must name the same one. */
  function claimedClient(assertion: string, clientIdParam: string | undefined): string {
    if (assertion.length > MAX_ASSERTION_LENGTH) throw invalid('client_assertion is too long');
    let claims: JWTPayload;
    try {
      claims = decodeJwt(assertion);
    } catch {
      throw invalid('client_assertion is not a JWT');
    }
    const { iss, sub } = claims;
    if (typeof iss !== 'string' || iss !== sub) {
      throw invalid('client_assertion iss and sub must both be the client_id');
    }
    if (clientIdParam !== undefined && clientIdParam !== iss) {
      throw invalid('client_id differs from the client_assertion iss and sub');
    }
    return iss;
  }

  /** exp within a few minutes, iat (when given) not ahead of now, and a usable jti. */
  function checkLifetime(payload: JWTPayload, now: number): { jti: string; exp: number } {
    const { exp, iat, jti } = payload;
    if (typeof exp !== 'number') throw invalid('client_assertion exp claim is missing or invalid');
    if (exp - now > MAX_LIFETIME_S + SKEW_S || (typeof iat === 'number' && exp - iat > MAX_LIFETIME_S)) {
      throw invalid(`client_assertion must expire within ${MAX_LIFETIME_S} seconds`);
    }
    if (typeof iat === 'number' && iat > now + SKEW_S) throw invalid('client_assertion iat is in the future');
    if (typeof jti !== 'string' || !jti || jti.length > MAX_JTI_LENGTH) {
      throw invalid('client_assertion jti claim is missing or invalid');
    }
    return { jti, exp };
  }

  return async function verifyClientAssertion(
    assertion: string,
    clientIdParam: string | undefined,
  ): Promise<ClientAuth> {
    const clientId = claimedClient(assertion, clientIdParam);
    const client = await credentials.findClient(clientId);
    if (!client) throw invalid('client authentication failed');
    const keys = client.jwks ? localSet(client.jwks) : client.jwksUri ? remoteSet(client.jwksUri) : undefined;
    if (!keys) throw invalid('client authentication failed');

    const now = clock.now();
    let payload: JWTPayload;
    try {
      ({ payload } = await verifyWithAnyKey(assertion, keys, {
        algorithms: ALGORITHMS,
        issuer: clientId,
        subject: clientId,
        audience,
        requiredClaims: ['exp', 'jti'],
        currentDate: now,
        clockTolerance: SKEW_S,
      }));
    } catch (err) {
      if (err instanceof OAuthError) throw err;
      throw invalid(describe(err));
    }
    const nowS = Math.floor(now.getTime() / 1000);
    const { jti, exp } = checkLifetime(payload, nowS);
    // Kept until the assertion could no longer pass anyway; written only once it verified, so
    // nobody without the key can spend a client's jti ahead of it.
    const ttlMs = Math.max(1000, (exp + SKEW_S - nowS) * 1000);
    if (!(await store.setIfAbsent(`oauth:assertion:${clientId}:${jti}`, '1', ttlMs))) {
      throw invalid('client_assertion jti was already used');
    }
    const { jwks: _jwks, jwksUri: _jwksUri, ...auth } = client;
    return auth;
  };
}
