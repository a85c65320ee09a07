import { createHash, createHmac } from 'node:crypto';

/*
 * The wire format of command signatures, documented in docs/command-signing.md. The SDK holds
 * the same definition in sdk/src/agent/signing.ts (Web Crypto, so it also runs in browsers);
 * server/test/signing.test.ts checks both against the documented worked example and each other.
 * Change one, change the other and the document.
 */

/** The first line of every canonical string: names the format, so a v2 can never collide with it. */
export const SIGNATURE_VERSION = 'gatehouse-command-v1';
export const SIGNATURE_HEADER = 'gatehouse-signature';
export const DIGEST_HEADER = 'content-digest';
/** A signature is accepted while the server's clock is within this many seconds of its ts. */
export const WINDOW_SECONDS = 300;

export const KEY_ID = /^csk_[0-9a-z]{26}$/;
/** Unsigned decimal seconds, no sign, no leading zeros (one spelling per instant). */
const TIMESTAMP = /^(0|[1-9][0-9]{0,11})$/;
/** base64url without padding: 22 characters are 132 bits, at least the 128 required. */
const NONCE = /^[A-Za-z0-9_-]{22,128}$/;
/** base64url of a 32-byte HMAC-SHA256, no padding. */
const SIG = /^[A-Za-z0-9_-]{43}$/;
const MAX_HEADER_LENGTH = 1024;

export interface SignatureParams {
  keyId: string;
  /** Unix seconds. */
  timestamp: number;
  nonce: string;
  /** base64url HMAC-SHA256 of the canonical string. */
  sig: string;
}

export interface CanonicalInput {
  keyId: string;
  method: string;
  /** The request target as sent: path and query, percent-encoding untouched, no fragment. */
  pathWithQuery: string;
  timestamp: number;
  nonce: string;
  /** base64url SHA-256 of the body bytes (of the empty string when there is no body). */
  bodyDigest: string;
}

/** base64url(SHA-256(body)): the digest the canonical string carries. */
export const bodyDigest = (body: Uint8Array) => createHash('sha256').update(body).digest('base64url');

/**
 * The string the HMAC covers: seven lines joined by LF, no trailing LF. The key id is in it so a
 * signature cannot be re-labelled with another key; the version line separates formats.
 */
export function canonicalString(c: CanonicalInput): string {
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

/** base64url(HMAC-SHA256(secret as UTF-8 bytes, canonical string as UTF-8 bytes)). */
export const hmac = (secret: string | Buffer, canonical: string) =>
  createHmac('sha256', secret).update(canonical, 'utf8').digest('base64url');

/** `keyid=<kid>, ts=<ts>, nonce=<nonce>, sig=<sig>`: the Gatehouse-Signature header value. */
export const formatSignature = (p: SignatureParams) =>
  `keyid=${p.keyId}, ts=${p.timestamp}, nonce=${p.nonce}, sig=${p.sig}`;

/**
 * Parses a Gatehouse-Signature header strictly: exactly the four parameters, each once, in any
 * order, separated by commas with optional spaces. Anything else is undefined (a bad signature).
 */
export function parseSignature(header: string): SignatureParams | undefined {
  if (header.length > MAX_HEADER_LENGTH) return undefined;
  const seen = new Map<string, string>();
  for (const part of header.split(',')) {
    const m = /^\s*([a-z]+)=([A-Za-z0-9_-]+)\s*$/.exec(part);
    if (!m || seen.has(m[1] as string)) return undefined;
    seen.set(m[1] as string, m[2] as string);
  }
  const keyId = seen.get('keyid');
  const ts = seen.get('ts');
  const nonce = seen.get('nonce');
  const sig = seen.get('sig');
  if (seen.size !== 4 || !keyId || !ts || !nonce || !sig) return undefined;
  if (!KEY_ID.test(keyId) || !TIMESTAMP.test(ts) || !NONCE.test(nonce) || !SIG.test(sig)) return undefined;
  // One spelling per HMAC: the last character of 43 base64url ones carries two unused bits.
  if (Buffer.from(sig, 'base64url').toString('base64url') !== sig) return undefined;
  return { keyId, timestamp: Number(ts), nonce, sig };
}

/** `sha-256=:<base64>:` (RFC 9530 §2, an RFC 8941 dictionary with a byte sequence). */
export const formatContentDigest = (body: Uint8Array) =>
  `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;

/**
 * The sha-256 member of a Content-Digest header, as bytes; undefined when the header has none or
 * is malformed. Other algorithms are skipped: the signature covers the server's own SHA-256 of the
 * body, so the header is a cross-check, not what the signature trusts.
 */
export function contentDigestSha256(header: string): Buffer | undefined {
  if (header.length > MAX_HEADER_LENGTH) return undefined;
  let found: Buffer | undefined;
  for (const member of header.split(',')) {
    const m = /^\s*([a-z0-9*_.-]+)=:([A-Za-z0-9+/]*={0,2}):\s*$/.exec(member);
    if (!m) return undefined;
    if (m[1] !== 'sha-256') continue;
    if (found) return undefined;
    found = Buffer.from(m[2] as string, 'base64');
    if (found.length !== 32) return undefined;
  }
  return found;
}
