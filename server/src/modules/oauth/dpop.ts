import { constants, createHash, createHmac, createPublicKey, timingSafeEqual, verify } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { EphemeralStore } from '../../platform/store/store.js';

/** A refused DPoP proof; `use_dpop_nonce` means "retry with the nonce in the DPoP-Nonce header" (RFC 9449 §8). */
export class DpopError extends Error {
  constructor(
    readonly code: 'invalid_dpop_proof' | 'use_dpop_nonce',
    readonly description: string,
  ) {
    super(description);
    this.name = 'DpopError';
  }
}

const invalid = (description: string) => new DpopError('invalid_dpop_proof', description);

// A proof is a few hundred bytes; RSA-4096 keys stay under 3 KB. The cap bounds parsing work.
const MAX_PROOF_LENGTH = 8192;
const MAX_JTI_LENGTH = 256;
const NONCE_WINDOW_MS = 5 * 60_000;
const B64URL = /^[A-Za-z0-9_-]+$/;

type Alg = 'EdDSA' | 'ES256' | 'ES384' | 'RS256' | 'PS256';

/** Asymmetric algorithms only (RFC 9449 §4.3 step 5): `none` and MACs never appear here. */
const ALGS: Record<Alg, { kty: string; crv?: string; hash: string | null; sigBytes?: number }> = {
  EdDSA: { kty: 'OKP', crv: 'Ed25519', hash: null, sigBytes: 64 },
  ES256: { kty: 'EC', crv: 'P-256', hash: 'sha256', sigBytes: 64 },
  ES384: { kty: 'EC', crv: 'P-384', hash: 'sha384', sigBytes: 96 },
  RS256: { kty: 'RSA', hash: 'sha256' },
  PS256: { kty: 'RSA', hash: 'sha256' },
};

/** For `dpop_signing_alg_values_supported` in the server metadata (RFC 9449 §5.1). */
export const DPOP_SIGNING_ALGS = Object.keys(ALGS) as Alg[];

/** RFC 7638 §3.2: the members that identify a key, per key type, in lexicographic order. */
const THUMBPRINT_MEMBERS: Record<string, string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
  oct: ['k', 'kty'],
};

// Members that only a private (or symmetric) JWK carries (RFC 7518 §6.2.2, §6.3.2, §6.4.1).
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const b64urlSha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

/** The RFC 7638 SHA-256 thumbprint of a JWK, base64url; throws when a required member is missing. */
export function jwkThumbprint(jwk: Record<string, unknown>): string {
  const members = THUMBPRINT_MEMBERS[String(jwk.kty)];
  if (!members) throw new Error('unsupported JWK key type');
  const canonical: Record<string, string> = {};
  for (const name of members) {
    const value = jwk[name];
    if (typeof value !== 'string' || !value) throw new Error(`JWK member ${name} is missing`);
    canonical[name] = value;
  }
  return b64urlSha256(JSON.stringify(canonical));
}

function decodeJson(part: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw invalid('malformed DPoP proof');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw invalid('malformed DPoP proof');
  return value as Record<string, unknown>;
}

/**
 * RFC 3986 §6.2.2–6.2.3 normalization (case, percent-encoding, dot segments, default port,
 * empty path), minus query and fragment (RFC 9449 §4.3 step 9). Null when not an http(s) URL.
 */
export function normalizeHtu(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  url.search = '';
  url.hash = '';
  // WHATWG URL does the rest; percent-encodings are left as written, so settle those here.
  return url.href.replace(/%[0-9A-Fa-f]{2}/g, (encoded) => {
    const char = String.fromCharCode(Number.parseInt(encoded.slice(1), 16));
    return /[A-Za-z0-9._~-]/.test(char) ? char : encoded.toUpperCase();
  });
}

/** The public key in the header, checked against the algorithm; returns its thumbprint and a key object. */
function headerKey(header: Record<string, unknown>, alg: Alg) {
  const jwk = header.jwk;
  if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk)) throw invalid('DPoP proof header lacks a jwk');
  const members = jwk as Record<string, unknown>;
  if (PRIVATE_MEMBERS.some((name) => name in members)) throw invalid('DPoP proof jwk must be a public key');
  const spec = ALGS[alg];
  if (members.kty !== spec.kty || (spec.crv && members.crv !== spec.crv)) {
    throw invalid('DPoP proof jwk does not fit its alg');
  }
  if (members.alg !== undefined && members.alg !== alg) throw invalid('DPoP proof jwk does not fit its alg');
  let jkt: string;
  try {
    jkt = jwkThumbprint(members);
  } catch {
    throw invalid('DPoP proof jwk is incomplete');
  }
  // Verify with exactly the members the thumbprint covers, so the bound key and the checked key agree.
  const names = THUMBPRINT_MEMBERS[spec.kty] as string[];
  const clean = Object.fromEntries(names.map((name) => [name, members[name] as string]));
  try {
    const key = createPublicKey({ key: clean, format: 'jwk' });
    const bits = key.asymmetricKeyDetails?.modulusLength;
    if (spec.kty === 'RSA' && (!bits || bits < 2048)) throw new Error('RSA key too short');
    return { jkt, key };
  } catch {
    throw invalid('DPoP proof jwk is not a usable public key');
  }
}

function signatureValid(alg: Alg, key: ReturnType<typeof createPublicKey>, signed: string, sig: Buffer) {
  const spec = ALGS[alg];
  if (spec.sigBytes && sig.length !== spec.sigBytes) return false;
  const data = Buffer.from(signed, 'ascii');
  if (alg === 'PS256') {
    return verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig);
  }
  // JWS carries ECDSA signatures as r||s (RFC 7518 §3.4), not DER.
  return verify(spec.hash, data, spec.kty === 'EC' ? { key, dsaEncoding: 'ieee-p1363' } : key, sig);
}

interface Deps {
  store: EphemeralStore;
  clock: Clock;
  /** Shared by every node, so a nonce issued by one is accepted by all. */
  nonceKey: Buffer;
  requireNonce: boolean;
  iatWindowSeconds?: number;
}

export interface VerifyOptions {
  htm: string;
  /** The request URL as this server is reached (issuer origin + path); query and fragment are ignored. */
  htu: string;
  /** The access token presented with the proof: `ath` must be its hash (RFC 9449 §7.1). */
  accessToken?: string;
  /** The `cnf.jkt` of that access token: the proof must be signed by the bound key. */
  expectedJkt?: string;
}

/**
 * Verifies DPoP proofs (RFC 9449 §4.3) and issues server nonces (§8, §9). Nonces are stateless:
 * an HMAC of the 5-minute window index, so every node computes the same one without sharing
 * state; a nonce is good for the rest of its window and the next one.
 */
export function createDpopVerifier(deps: Deps) {
  const { store, clock, nonceKey, requireNonce } = deps;
  const windowSeconds = deps.iatWindowSeconds ?? 60;
  let cached = { index: Number.NaN, nonce: '' };

  const nonceFor = (index: number) => createHmac('sha256', nonceKey).update(`dpop:${index}`).digest();
  const windowIndex = () => Math.floor(clock.now().getTime() / NONCE_WINDOW_MS);

  function nonceValid(nonce: string): boolean {
    const given = Buffer.from(nonce, 'base64url');
    if (given.length !== 32 || given.toString('base64url') !== nonce) return false;
    const current = windowIndex();
    // The next window too: a node whose clock runs a little ahead may already have issued it.
    return [current - 1, current, current + 1].some((i) => timingSafeEqual(nonceFor(i), given));
  }

  return {
    nonce(): string {
      const index = windowIndex();
      if (cached.index !== index) cached = { index, nonce: nonceFor(index).toString('base64url') };
      return cached.nonce;
    },

    async verify(proof: string, opts: VerifyOptions): Promise<{ jkt: string }> {
      if (typeof proof !== 'string' || proof.length > MAX_PROOF_LENGTH) throw invalid('malformed DPoP proof');
      const parts = proof.split('.');
      if (parts.length !== 3 || !parts.every((p) => B64URL.test(p))) throw invalid('malformed DPoP proof');
      const [protectedPart, payloadPart, signaturePart] = parts as [string, string, string];

      const header = decodeJson(protectedPart);
      if (typeof header.typ !== 'string' || header.typ.toLowerCase() !== 'dpop+jwt') {
        throw invalid('DPoP proof typ must be dpop+jwt');
      }
      const alg = header.alg;
      if (typeof alg !== 'string' || !Object.hasOwn(ALGS, alg)) {
        throw invalid('DPoP proof alg is not an accepted asymmetric algorithm');
      }
      // No JWS extension is understood here, so none may be marked critical (RFC 7515 §4.1.11).
      if (header.crit !== undefined) throw invalid('DPoP proof carries unsupported critical headers');
      const { jkt, key } = headerKey(header, alg as Alg);
      const signature = Buffer.from(signaturePart, 'base64url');
      if (!signatureValid(alg as Alg, key, `${protectedPart}.${payloadPart}`, signature)) {
        throw invalid('DPoP proof signature is invalid');
      }

      const claims = decodeJson(payloadPart);
      const { jti, htm, htu, iat, nonce, ath } = claims;
      if (typeof jti !== 'string' || !jti || jti.length > MAX_JTI_LENGTH) {
        throw invalid('DPoP proof jti is missing or too long');
      }
      if (htm !== opts.htm) throw invalid('DPoP proof htm does not match the request method');
      const expected = normalizeHtu(opts.htu);
      if (typeof htu !== 'string' || !expected || normalizeHtu(htu) !== expected) {
        throw invalid('DPoP proof htu does not match the request URL');
      }
      const now = clock.now().getTime() / 1000;
      if (typeof iat !== 'number' || !Number.isFinite(iat)) throw invalid('DPoP proof iat is missing');
      if (Math.abs(now - iat) > windowSeconds) throw invalid('DPoP proof iat is outside the accepted window');

      if (nonce !== undefined && typeof nonce !== 'string') throw invalid('DPoP proof nonce is malformed');
      if (nonce === undefined ? requireNonce : !nonceValid(nonce)) {
        throw new DpopError('use_dpop_nonce', 'a fresh DPoP nonce is required; use the DPoP-Nonce header');
      }

      if (opts.accessToken !== undefined) {
        if (typeof ath !== 'string') throw invalid('DPoP proof lacks ath for the access token');
        if (!safeEqual(ath, b64urlSha256(opts.accessToken))) {
          throw invalid('DPoP proof ath does not match the access token');
        }
      }
      if (opts.expectedJkt !== undefined && !safeEqual(jkt, opts.expectedJkt)) {
        throw invalid('DPoP proof key is not the key the access token is bound to');
      }

      // Last, so a refused proof does not use up its jti. A proof is acceptable for 2× the
      // window (iat ± window), so its jti is remembered that long, per key (§11.1).
      const first = await store.setIfAbsent(`dpop:jti:${jkt}:${jti}`, '1', (2 * windowSeconds + 1) * 1000);
      if (!first) throw invalid('DPoP proof jti was already used');
      return { jkt };
    },
  };
}
export type DpopVerifier = ReturnType<typeof createDpopVerifier>;

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
