import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { Logger } from 'pino';
import { Agent, fetch } from 'undici';
import type { Clock } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import { type AuthMaterial, hasControl } from './auth.js';
import { checkEgress, type EgressPolicy } from './egress.js';
import { vaultErrors } from './errors.js';

type OAuthMaterial = Extract<AuthMaterial, { type: 'oauth2_client_credentials' }>;

/** An upstream access token as the gateway uses it. */
export interface UpstreamToken {
  token: string;
  type: string;
  expiresAt: Date;
}

interface Cached extends UpstreamToken {
  /** From here on the next caller fetches a new token (the current one still works until expiresAt). */
  refreshAt: number;
}

/** Without expires_in, a token is trusted this long. */
const DEFAULT_LIFETIME_MS = 300_000;
const MAX_ENTRIES = 10_000;
const MAX_BODY = 64 * 1024;

/** application/x-www-form-urlencoded, as RFC 6749 §2.3.1 encodes client_id and secret for Basic. */
const formEncode = (s: string) => new URLSearchParams({ s }).toString().slice(2);

/**
 * A DNS lookup for one request that refuses any address the egress policy does not allow, so
 * a token URL whose name resolves to a private address is refused at connect time, not just
 * when it was saved (DNS rebinding).
 */
function guardedLookup(policy: EgressPolicy, url: string) {
  return (
    hostname: string,
    options: LookupOptions,
    callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      for (const a of addresses) {
        const decision = checkEgress(policy, url, a.address);
        if (!decision.allowed)
          return callback(vaultErrors.egressDenied('token_url', decision.reason, 403), '');
      }
      const first = addresses[0];
      if (options.all) return callback(null, addresses);
      return first ? callback(null, first.address, first.family) : callback(new Error('no address'), '');
    });
  };
}

/**
 * Upstream access tokens for oauth2_client_credentials integrations, in this process's memory
 * only: fetched with the integration's client credentials, reused until shortly before they
 * expire, and fetched once for any number of concurrent callers.
 */
export function createUpstreamTokens(deps: { clock: Clock; log: Logger; timeoutMs?: number }) {
  const { clock, log } = deps;
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const cache = new Map<string, Cached>();
  const inflight = new Map<string, Promise<Cached>>();

  async function request(material: OAuthMaterial, policy: EgressPolicy): Promise<Cached> {
    const decision = checkEgress(policy, material.token_url);
    if (!decision.allowed) throw vaultErrors.egressDenied('token_url', decision.reason, 403);
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (material.scope) form.set('scope', material.scope);
    if (material.audience) form.set('audience', material.audience);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (material.client_auth === 'post') {
      form.set('client_id', material.client_id);
      form.set('client_secret', material.client_secret);
    } else {
      const pair = `${formEncode(material.client_id)}:${formEncode(material.client_secret)}`;
      headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
    }
    const dispatcher = new Agent({ connect: { lookup: guardedLookup(policy, material.token_url) } });
    const started = clock.now().getTime();
    try {
      const res = await fetch(material.token_url, {
        method: 'POST',
        headers,
        body: form.toString(),
        // A redirect would take the credentials to a URL nobody checked.
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
        dispatcher,
      }).catch((err: unknown) => {
        const cause = (err as { cause?: unknown }).cause;
        if (cause instanceof AppError) throw cause;
        throw vaultErrors.tokenFailed('could not be reached', err);
      });
      const text = await res.text();
      if (!res.ok) throw vaultErrors.tokenFailed(`answered ${res.status}`);
      if (text.length > MAX_BODY) throw vaultErrors.tokenFailed('answered with an oversized body');
      let body: { access_token?: unknown; token_type?: unknown; expires_in?: unknown };
      try {
        body = JSON.parse(text);
      } catch {
        throw vaultErrors.tokenFailed('answered with something other than JSON');
      }
      const token = body.access_token;
      if (typeof token !== 'string' || !token || hasControl(token) || token.includes(' '))
        throw vaultErrors.tokenFailed('answered without a usable access_token');
      const type =
        typeof body.token_type === 'string' && /^[A-Za-z0-9_-]{1,40}$/.test(body.token_type)
          ? body.token_type
          : 'Bearer';
      const expiresIn = Number(body.expires_in);
      const lifetime = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : DEFAULT_LIFETIME_MS;
      // Counted from when the request left, so network time does not stretch the token's life.
      const expiresAt = started + lifetime;
      // Refresh a minute early, or halfway through a short-lived token.
      const refreshAt = expiresAt - Math.min(60_000, lifetime / 2);
      return { token, type, expiresAt: new Date(expiresAt), refreshAt };
    } finally {
      void dispatcher.close().catch(() => {});
    }
  }

  function remember(key: string, value: Cached) {
    cache.delete(key);
    cache.set(key, value);
    if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
  }

  return {
    /**
     * A current token for the integration under `key` (which names the credential's version, so a
     * changed credential never reuses a token fetched with the old one).
     */
    async get(key: string, material: OAuthMaterial, policy: EgressPolicy): Promise<UpstreamToken> {
      const now = clock.now().getTime();
      const hit = cache.get(key);
      if (hit && hit.refreshAt > now) return hit;
      let pending = inflight.get(key);
      if (!pending) {
        pending = request(material, policy).finally(() => inflight.delete(key));
        inflight.set(key, pending);
      }
      try {
        const fresh = await pending;
        remember(key, fresh);
        return fresh;
      } catch (err) {
        // A refresh that fails while the old token still works: keep using it, say so in the log.
        if (hit && hit.expiresAt.getTime() > clock.now().getTime()) {
          log.warn(
            { err: (err as Error).message },
            'upstream token refresh failed; the current token is used',
          );
          return hit;
        }
        throw err;
      }
    },

    /** Forgets tokens whose key starts with `prefix` (an integration changed or was deleted, or upstream refused one). */
    forget(prefix: string) {
      for (const key of cache.keys()) if (key.startsWith(prefix)) cache.delete(key);
    },

    get size() {
      return cache.size;
    },
  };
}
export type UpstreamTokens = ReturnType<typeof createUpstreamTokens>;
