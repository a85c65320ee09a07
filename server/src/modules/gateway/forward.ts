import { lookup } from 'node:dns/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import type { Agent, Dispatcher } from 'undici';
import { AppError } from '../../platform/errors.js';
import type { Injection } from '../vault/auth.js';
import { checkEgress, type EgressPolicy } from '../vault/egress.js';

/** Headers that describe one hop, never forwarded either way (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);
/** The agent's own credentials and signature, and headers an upstream might trust for identity. */
const AGENT_ONLY = new Set([
  'authorization',
  'dpop',
  'cookie',
  'gatehouse-signature',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
]);

export const gatewayErrors = {
  egressDenied: (reason: string) =>
    new AppError(403, 'egress_denied', `The integration's upstream is not allowed: ${reason}`),
  unreachable: () => new AppError(502, 'upstream_unreachable', 'The upstream could not be reached'),
  timeout: () => new AppError(504, 'upstream_timeout', 'The upstream did not answer in time'),
};

/** The upstream URL: the integration's base URL, then the path after the integration's name, then the query. */
export function upstreamUrl(baseUrl: string, rest: string, search: string, inject: Injection): URL {
  const base = new URL(baseUrl);
  const path = `${base.pathname.replace(/\/$/, '')}/${rest.replace(/^\/+/, '')}`;
  const url = new URL(base.origin);
  url.pathname = path;
  url.search = search;
  for (const [k, v] of Object.entries(inject.query)) url.searchParams.set(k, v);
  return url;
}

/** The request headers to send upstream: the agent's, minus hop-by-hop and its own credentials, plus the injection. */
export function upstreamHeaders(
  incoming: IncomingHttpHeaders,
  inject: Injection,
): Record<string, string | string[]> {
  const listed = new Set(
    String(incoming.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name) || AGENT_ONLY.has(name) || listed.has(name)) continue;
    out[name] = value;
  }
  // Uncompressed, so the answer can be searched for an echoed credential (redact-stream.ts).
  out['accept-encoding'] = 'identity';
  for (const [k, v] of Object.entries(inject.headers)) out[k.toLowerCase()] = v;
  return out;
}

/** The answer's headers for the agent: no hop-by-hop ones, no length (redaction may change it). */
export function downstreamHeaders(headers: IncomingHttpHeaders, redact: (v: string) => string) {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || name === 'content-length') continue;
    out[name] = Array.isArray(value) ? value.map(redact) : redact(value);
  }
  return out;
}

interface Options {
  connectTimeoutMs: number;
  totalTimeoutMs: number;
}

/**
 * Sends requests upstream through connection pools pinned to the address that passed the
 * egress check: the name is resolved once, every address it has must be allowed, and the
 * connection goes to that address (no second lookup an attacker's DNS could answer otherwise).
 * Redirects are handed back to the agent, never followed.
 */
// undici (~10 MB resident) loads with the first gateway call: a node that never forwards does not carry it.
let undici: typeof import('undici') | undefined;
const loadUndici = async () => {
  undici ??= await import('undici');
  return undici;
};

export function createForwarder({ connectTimeoutMs, totalTimeoutMs }: Options) {
  const pools = new Map<string, Agent>();
  const MAX_POOLS = 256;

  function poolFor(address: string, family: number): Agent {
    const key = `${address}/${family}`;
    let pool = pools.get(key);
    if (!pool) {
      pool = new (undici as typeof import('undici')).Agent({
        connect: {
          timeout: connectTimeoutMs,
          lookup: (_host, opts, cb) => {
            // Node asks for every address (autoSelectFamily) or for one.
            if ((opts as { all?: boolean }).all)
              (cb as (e: null, a: { address: string; family: number }[]) => void)(null, [
                { address, family },
              ]);
            else (cb as (e: null, a: string, f: number) => void)(null, address, family);
          },
        },
      });
      pools.set(key, pool);
      if (pools.size > MAX_POOLS) {
        const [oldest, agent] = pools.entries().next().value as [string, Agent];
        pools.delete(oldest);
        void agent.close();
      }
    }
    return pool;
  }

  async function resolve(url: URL, policy: EgressPolicy): Promise<{ address: string; family: number }> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const found = isIP(host)
      ? [{ address: host, family: isIP(host) }]
      : await lookup(host, { all: true }).catch(() => {
          throw gatewayErrors.unreachable();
        });
    for (const a of found) {
      const decision = checkEgress(policy, url, a.address);
      if (!decision.allowed) throw gatewayErrors.egressDenied(decision.reason);
    }
    const first = found[0];
    if (!first) throw gatewayErrors.unreachable();
    return first;
  }

  return {
    async send(input: {
      url: URL;
      policy: EgressPolicy;
      method: string;
      headers: Record<string, string | string[]>;
      body: Readable | Buffer | undefined;
    }): Promise<Dispatcher.ResponseData> {
      const { address, family } = await resolve(input.url, input.policy);
      try {
        const { request } = await loadUndici();
        return await request(input.url, {
          dispatcher: poolFor(address, family),
          method: input.method as Dispatcher.HttpMethod,
          headers: input.headers,
          body: input.body ?? null,
          signal: AbortSignal.timeout(totalTimeoutMs),
          headersTimeout: totalTimeoutMs,
          bodyTimeout: totalTimeoutMs,
        });
      } catch (err) {
        const errors = undici?.errors;
        const timedOut =
          (err as Error).name === 'TimeoutError' ||
          (errors !== undefined &&
            (err instanceof errors.ConnectTimeoutError || err instanceof errors.HeadersTimeoutError));
        if (timedOut) {
          throw gatewayErrors.timeout();
        }
        throw gatewayErrors.unreachable();
      }
    },

    async close(): Promise<void> {
      await Promise.allSettled([...pools.values()].map((p) => p.close()));
      pools.clear();
    },
  };
}
export type Forwarder = ReturnType<typeof createForwarder>;
