import { createPublicKey, type JsonWebKey } from 'node:crypto';

/** JWK members that hold private or symmetric key material (RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
/** Signature curves only: an X25519 or ECDH key cannot sign an assertion. */
const CURVES: Record<string, readonly string[]> = {
  OKP: ['Ed25519', 'Ed448'],
  EC: ['P-256', 'P-384', 'P-521'],
};
const MIN_RSA_BITS = 2048;

/**
 * Why a JWK cannot be registered for private_key_jwt, or undefined when it is a usable public
 * signature key. A private member is refused outright: a client that sends one has leaked it.
 */
export function jwkProblem(jwk: Record<string, unknown>): string | undefined {
  const leaked = PRIVATE_MEMBERS.find((m) => m in jwk);
  if (leaked) return `holds private key material ("${leaked}"): register public keys only`;
  const { kty, crv } = jwk;
  if (kty !== 'OKP' && kty !== 'EC' && kty !== 'RSA') return 'kty must be OKP, EC or RSA';
  if (kty !== 'RSA' && !CURVES[kty]?.includes(String(crv))) {
    return `crv must be one of ${CURVES[kty]?.join(', ')}`;
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') return 'use must be "sig"';
  try {
    const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    const bits = key.asymmetricKeyDetails?.modulusLength;
    if (kty === 'RSA' && (bits ?? 0) < MIN_RSA_BITS) return `an RSA key needs at least ${MIN_RSA_BITS} bits`;
  } catch {
    return 'is not a valid public key';
  }
  return undefined;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Why a jwks_uri cannot be registered, or undefined: https only (http on a loopback host is
 * allowed for development and tests), no credentials in it, no fragment.
 */
export function jwksUriProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not a URL';
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
  if (!secure) return 'must be an https URL';
  if (url.username || url.password) return 'must not carry credentials';
  if (url.hash) return 'must not have a fragment';
  return undefined;
}
