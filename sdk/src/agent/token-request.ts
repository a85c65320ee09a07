import { decodeJwt } from 'jose';
import type { Authentication } from './client-auth.js';
import type { DPoPProver } from './dpop.js';
import { OAuthError, oauthErrorFrom } from './errors.js';

/** An access token as the client holds it. */
export interface AccessToken {
  accessToken: string;
  /** `DPoP` for a sender-constrained token, `Bearer` otherwise (compared case-insensitively). */
  tokenType: string;
  /** When it expires, in milliseconds since the epoch, measured from when the request was sent. */
  expiresAt: number;
  /** The granted scopes: the answer's `scope`, or what was asked when the answer omits it. */
  scope: string[];
  /** RFC 8693: the type of a token obtained by exchange. */
  issuedTokenType?: string;
}

export interface TokenRequestContext {
  fetch: typeof fetch;
  now: () => number;
  authenticate: (tokenEndpoint: string) => Promise<Authentication>;
  dpop: DPoPProver | undefined;
}

type Params = Record<string, string | string[] | undefined>;

function form(params: Params, auth: Authentication): URLSearchParams {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries({ ...params, ...auth.params })) {
    // RFC 8707 repeats `resource` for several audiences.
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) body.append(name, v);
  }
  return body;
}

/** The expiry of a token whose answer has no expires_in: its own `exp`, when it is a JWT. */
function expiryOf(token: string, expiresIn: unknown, sentAt: number): number {
  if (typeof expiresIn === 'number' && Number.isFinite(expiresIn)) return sentAt + expiresIn * 1000;
  try {
    const { exp } = decodeJwt(token);
    if (typeof exp === 'number') return exp * 1000;
  } catch {}
  // Unknown lifetime: not cached, so the next call asks again.
  return sentAt;
}

async function parse(res: Response, sentAt: number, asked: string | undefined): Promise<AccessToken> {
  const body = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!body || typeof body.access_token !== 'string' || typeof body.token_type !== 'string') {
    throw new OAuthError(
      'invalid_response',
      'the token answer has no access_token or token_type',
      res.status,
    );
  }
  const scope = typeof body.scope === 'string' ? body.scope : (asked ?? '');
  return {
    accessToken: body.access_token,
    tokenType: body.token_type,
    expiresAt: expiryOf(body.access_token, body.expires_in, sentAt),
    scope: scope.split(' ').filter(Boolean),
    ...(typeof body.issued_token_type === 'string' ? { issuedTokenType: body.issued_token_type } : {}),
  };
}

/**
 * One token request: client authentication and a DPoP proof made fresh for each attempt, and
 * one retry when the server asks for a DPoP nonce (RFC 9449 §8) it has just given.
 */
export async function requestToken(
  ctx: TokenRequestContext,
  tokenEndpoint: string,
  params: Params,
): Promise<AccessToken> {
  for (let attempt = 0; ; attempt++) {
    const auth = await ctx.authenticate(tokenEndpoint);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      ...auth.headers,
    };
    const proof = ctx.dpop && (await ctx.dpop.proof('POST', tokenEndpoint));
    if (proof) headers.dpop = proof.jwt;
    const sentAt = ctx.now();
    const res = await ctx.fetch(tokenEndpoint, { method: 'POST', headers, body: form(params, auth) });
    const nonce = ctx.dpop?.remember(tokenEndpoint, res);
    if (res.ok) return parse(res, sentAt, typeof params.scope === 'string' ? params.scope : undefined);
    const error = await oauthErrorFrom(res);
    const fresh = nonce !== undefined && nonce !== proof?.nonce;
    if (error.error === 'use_dpop_nonce' && fresh && attempt === 0) continue;
    throw error;
  }
}
