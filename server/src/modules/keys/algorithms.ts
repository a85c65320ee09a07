import { createPrivateKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';

export const ALGORITHMS = ['EdDSA', 'ES256', 'RS256'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

/** A fresh key pair: the public half as a JWK, the private half as PKCS#8 DER (to be sealed). */
export function generateKey(alg: Algorithm): { publicJwk: Record<string, unknown>; privateDer: Buffer } {
  const pair =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicJwk: pair.publicKey.export({ format: 'jwk' }) as Record<string, unknown>,
    privateDer: pair.privateKey.export({ format: 'der', type: 'pkcs8' }),
  };
}

export const loadPrivateKey = (der: Buffer): KeyObject =>
  createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });

/**
 * Signs JWS input with node:crypto directly: for Ed25519 it is several times faster than a
 * general JOSE library on the token hot path (see bench/RESULTS.md).
 */
export function signJws(alg: Algorithm, key: KeyObject, input: Buffer): Buffer {
  if (alg === 'EdDSA') return sign(null, input, key);
  if (alg === 'ES256') return sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' });
  return sign('sha256', input, key);
}

/** Verifies a JWS signature made by signJws, with the public half of the key. */
export function verifyJws(alg: Algorithm, key: KeyObject, input: Buffer, signature: Buffer): boolean {
  try {
    if (alg === 'EdDSA') return verify(null, input, key, signature);
    if (alg === 'ES256') return verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature);
    return verify('sha256', input, key, signature);
  } catch {
    return false;
  }
}
