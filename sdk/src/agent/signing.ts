import { base64url } from 'jose';

/*
 * Command signing (docs/command-signing.md): an HMAC-SHA256 over a canonical string of the
 * request, so that a stolen bearer token alone cannot issue commands. The server holds the same
 * definition in server/src/modules/signing/canonical.ts; server/test/signing.test.ts checks both
 * against the documented worked example. Web Crypto only, so this also runs in browsers.
 */

/** The first line of every canonical string. */
export const SIGNATURE_VERSION = 'gatehouse-command-v1';

/** A signing key as `POST /v1/agents/{id}/signing-keys` returned it. */
export interface CommandSigningKey {
  /** The key's id, `csk_…`. */
  keyId: string;
  /** The secret, `ghsig_…`, shown once at creation or rotation. */
  secret: string;
}

/** What the canonical string is made of. */
export interface CanonicalCommand {
  keyId: string;
  method: string;
  /** The request target as sent: path and query, no fragment. */
  pathWithQuery: string;
  /** Unix seconds. */
  timestamp: number;
  nonce: string;
  /** base64url SHA-256 of the body bytes (of the empty string when there is no body). */
  bodyDigest: string;
}

export interface CommandToSign {
  method: string;
  /** The full URL the request goes to; its path and query are signed. */
  url: string | URL;
  /** The exact bytes sent; none for a call without a body. A string is sent as UTF-8. */
  body?: Uint8Array | string | null;
}

export interface SignOptions {
  /** The clock in milliseconds since the epoch; `Date.now` by default. */
  now?: () => number;
  /** For tests and interop checks only: a fixed nonce and timestamp. Never reuse a nonce. */
  nonce?: string;
  timestamp?: number;
}

/** The headers to add to the request. `content-digest` only when there is a body. */
export interface SignatureHeaders {
  'gatehouse-signature': string;
  'content-digest'?: string;
}

const encoder = new TextEncoder();
const bytesOf = (body: Uint8Array | string | null | undefined) =>
  typeof body === 'string' ? encoder.encode(body) : (body ?? new Uint8Array());

/** `path?query` of a URL as fetch sends it (an empty `?` is not sent, and is not signed). */
export const pathWithQueryOf = (url: string | URL) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/** base64url(SHA-256(body)), the digest the canonical string carries. */
export async function bodyDigest(body: Uint8Array | string | null | undefined): Promise<string> {
  return base64url.encode(await sha256(bytesOf(body)));
}

/** The string the HMAC covers: seven lines joined by LF, no trailing LF. */
export function canonicalCommandString(c: CanonicalCommand): string {
  return [
    SIGNATURE_VERSION,
    c.keyId,
    c.method.toUpperCase(),
    c.pathWithQuery,
    String(c.timestamp),
    c.nonce,
    c.bodyDigest,
  ].join('\n');
}

/** base64url(HMAC-SHA256(secret as UTF-8, canonical string as UTF-8)). */
export async function hmacSignature(secret: string, canonical: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return base64url.encode(new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(canonical))));
}

/** 128 random bits, base64url: 22 characters. */
export const newNonce = () => base64url.encode(crypto.getRandomValues(new Uint8Array(16)));

/** `sha-256=:<base64>:` (RFC 9530). */
async function contentDigest(bytes: Uint8Array): Promise<string> {
  let binary = '';
  for (const b of await sha256(bytes)) binary += String.fromCharCode(b);
  return `sha-256=:${btoa(binary)}:`;
}

/**
 * The headers that sign one request: `Gatehouse-Signature` (and `Content-Digest` when there is
 * a body). Sign right before sending: the server accepts a signature for 5 minutes, once.
 *
 * ```ts
 * const headers = await signCommand(key, { method: 'POST', url, body });
 * await fetch(url, { method: 'POST', body, headers: { ...headers, authorization } });
 * ```
 */
export async function signCommand(
  key: CommandSigningKey,
  command: CommandToSign,
  options: SignOptions = {},
): Promise<SignatureHeaders> {
  const bytes = bytesOf(command.body);
  const timestamp = options.timestamp ?? Math.floor((options.now ?? Date.now)() / 1000);
  const nonce = options.nonce ?? newNonce();
  const canonical = canonicalCommandString({
    keyId: key.keyId,
    method: command.method,
    pathWithQuery: pathWithQueryOf(command.url),
    timestamp,
    nonce,
    bodyDigest: await bodyDigest(bytes),
  });
  const sig = await hmacSignature(key.secret, canonical);
  return {
    'gatehouse-signature': `keyid=${key.keyId}, ts=${timestamp}, nonce=${nonce}, sig=${sig}`,
    ...(bytes.length ? { 'content-digest': await contentDigest(bytes) } : {}),
  };
}

export interface SigningFetchOptions {
  /** The fetch to wrap; the global one by default. */
  fetch?: typeof fetch;
  /** The clock in milliseconds since the epoch; `Date.now` by default. */
  now?: () => number;
  /** Which requests to sign; all by default. E.g. only those to your Gatehouse's origin. */
  shouldSign?: (url: URL) => boolean;
}

/**
 * A fetch that signs each request it sends. The body is read once to sign its exact bytes (a
 * multipart body keeps the boundary it was signed with); a streamed body cannot be signed before
 * it is sent, so pass bytes instead. Use it as an `AgentClient`'s `fetch` to sign `agent.fetch`.
 *
 * ```ts
 * const signed = signingFetch({ keyId, secret }, { shouldSign: (u) => u.origin === issuer });
 * const agent = new AgentClient({ issuer, clientId, auth, fetch: signed });
 * ```
 */
export function signingFetch(key: CommandSigningKey, options: SigningFetchOptions = {}): typeof fetch {
  const inner = options.fetch ?? globalThis.fetch;
  return async (input, init) => {
    if (init?.body instanceof ReadableStream) {
      throw new TypeError('a streamed body cannot be signed before it is sent: pass it as bytes');
    }
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (options.shouldSign && !options.shouldSign(url)) return inner(input, init);
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    const signature = await signCommand(
      key,
      { method: request.method, url, body: body ?? null },
      options.now ? { now: options.now } : {},
    );
    // The request's own headers: they carry the content type (and multipart boundary) it computed.
    const headers = new Headers(request.headers);
    for (const [name, value] of Object.entries(signature)) headers.set(name, value);
    return inner(url, {
      ...init,
      method: request.method,
      headers,
      signal: request.signal,
      ...(body ? { body } : {}),
    });
  };
}
