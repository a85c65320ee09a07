import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  type JSONWebKeySet,
  type JWSAlgorithm,
  type JWTPayload,
  type JWTVerifyOptions,
  jwtVerify,
} from 'jose';

/** How a resource server checks Gatehouse access tokens. */
export interface TokenVerifierOptions {
  /** The Gatehouse issuer URL; tokens must carry exactly this `iss`. */
  issuer: string;
  /**
   * This resource server's identifier(s); the token's `aud` must include one. Default: the
   * issuer, which is the `aud` of Gatehouse tokens issued without a `resource`.
   */
  audience?: string | string[];
  /** Where the signing keys are published; `${issuer}/.well-known/jwks.json` by default. */
  jwksUri?: string;
  /** A fixed key set to verify against instead of fetching one (pinned keys, tests). */
  jwks?: JSONWebKeySet;
  /** Accepted signature algorithms; Gatehouse's EdDSA, ES256 and RS256 by default. */
  algorithms?: string[];
  /** Leeway for `exp`, `nbf` and `iat`, in seconds. Default 0. */
  clockToleranceSeconds?: number;
  /** A fetch implementation for the key set; the global one by default. */
  fetch?: typeof fetch;
  /** The clock, in milliseconds since the epoch; `Date.now` by default. For tests. */
  now?: () => number;
}

/** RFC 8693 `act`: who acts, and, nested, for whom that actor in turn acts. */
export interface ActorClaim {
  sub: string;
  client_id?: string;
  act?: ActorClaim;
  [claim: string]: unknown;
}

/** The claims of a verified Gatehouse access token (RFC 9068), with `scope` split into a list. */
export interface AccessTokenClaims {
  iss: string;
  /** The agent (or user) the token is for. */
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf?: number;
  jti: string;
  client_id: string;
  scope: string[];
  org_id?: string;
  /** Present when the token was obtained by delegation (token exchange). */
  act?: ActorClaim;
  /**
   * Present on a sender-constrained token: `jkt` is the thumbprint of the DPoP key. Such a token
   * is valid only with a DPoP proof of that key (RFC 9449 §7), which the caller must check.
   */
  cnf?: { jkt?: string; [member: string]: unknown };
  /** Every claim as signed. */
  payload: JWTPayload;
}

/** Why a token was refused; a resource server answers 401 `invalid_token` for any of them. */
export class TokenVerificationError extends Error {
  readonly code = 'invalid_token';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TokenVerificationError';
  }
}

export interface TokenVerifier {
  /** Verifies signature, `typ: at+jwt`, issuer, audience and lifetime; rejects with TokenVerificationError. */
  verify(token: string): Promise<AccessTokenClaims>;
}

const DEFAULT_ALGS = ['EdDSA', 'ES256', 'RS256'];
const REQUIRED = ['exp', 'iat', 'sub', 'jti', 'client_id'];

function reason(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `the token's ${err.claim} is not acceptable`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (err instanceof errors.JWKSNoMatchingKey) return 'no published key matches the token';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'the token alg is not accepted';
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid)
    return 'the key set is unavailable';
  return 'the token is not a valid JWT';
}

function claimsOf(payload: JWTPayload): AccessTokenClaims {
  const { sub, client_id, scope, org_id, act, cnf } = payload;
  if (typeof sub !== 'string' || typeof client_id !== 'string' || typeof payload.jti !== 'string') {
    throw new TokenVerificationError('the token lacks sub, client_id or jti');
  }
  return {
    iss: payload.iss as string,
    sub,
    aud: typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []),
    exp: payload.exp as number,
    iat: payload.iat as number,
    ...(payload.nbf !== undefined ? { nbf: payload.nbf } : {}),
    jti: payload.jti,
    client_id,
    scope: typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [],
    ...(typeof org_id === 'string' ? { org_id } : {}),
    ...(act && typeof act === 'object' ? { act: act as ActorClaim } : {}),
    ...(cnf && typeof cnf === 'object' ? { cnf: cnf as AccessTokenClaims['cnf'] & object } : {}),
    payload,
  };
}

/**
 * A verifier for Gatehouse JWT access tokens in a resource server. Keys come from the issuer's
 * JWKS, fetched once and again only for an unknown `kid` (a rotation), so verifying is local.
 * Revocation is not visible in a JWT: use introspection where a revoked token must stop at once.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const issuer = options.issuer.replace(/\/+$/, '');
  const f = options.fetch;
  const keys = options.jwks
    ? createLocalJWKSet(options.jwks)
    : createRemoteJWKSet(new URL(options.jwksUri ?? `${issuer}/.well-known/jwks.json`), {
        ...(f ? { [customFetch]: (url: string, init: RequestInit) => f(url, init) } : {}),
      });
  // Built once: this sits on every request's path.
  const base: JWTVerifyOptions = {
    issuer,
    audience: options.audience ?? issuer,
    typ: 'at+jwt',
    algorithms: (options.algorithms ?? DEFAULT_ALGS) as JWSAlgorithm[],
    requiredClaims: REQUIRED,
    clockTolerance: options.clockToleranceSeconds ?? 0,
  };
  const now = options.now;
  return {
    async verify(token) {
      const opts = now ? { ...base, currentDate: new Date(now()) } : base;
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, opts));
      } catch (err) {
        throw new TokenVerificationError(reason(err), { cause: err });
      }
      return claimsOf(payload);
    },
  };
}
