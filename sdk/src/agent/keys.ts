import { type CryptoKey, importJWK, type JWK, type KeyObject } from 'jose';

/** A private signing key: a Web Crypto key, a Node.js KeyObject, or a private JWK. */
export type PrivateKey = CryptoKey | KeyObject | JWK;

const EC_ALGS: Record<string, string> = {
  'P-256': 'ES256',
  prime256v1: 'ES256',
  'P-384': 'ES384',
  secp384r1: 'ES384',
  'P-521': 'ES512',
  secp521r1: 'ES512',
};

const isJwk = (key: PrivateKey): key is JWK => typeof (key as JWK).kty === 'string';

/** The JWS alg a key signs with, when the key says so unambiguously; RSA keys default to RS256. */
export function algOf(key: PrivateKey | JWK): string | undefined {
  if (isJwk(key)) {
    if (key.alg) return key.alg;
    if (key.kty === 'OKP') return key.crv === 'Ed25519' ? 'EdDSA' : undefined;
    if (key.kty === 'EC') return EC_ALGS[String(key.crv)];
    return key.kty === 'RSA' ? 'RS256' : undefined;
  }
  if ('algorithm' in key) {
    const algorithm = key.algorithm as { name: string; namedCurve?: string; hash?: { name: string } };
    if (algorithm.name === 'Ed25519') return 'EdDSA';
    if (algorithm.name === 'ECDSA') return EC_ALGS[String(algorithm.namedCurve)];
    if (algorithm.name === 'RSASSA-PKCS1-v1_5') return `RS${algorithm.hash?.name.slice(4) ?? '256'}`;
    if (algorithm.name === 'RSA-PSS') return `PS${algorithm.hash?.name.slice(4) ?? '256'}`;
    return undefined;
  }
  // A Node.js KeyObject, typed structurally so the SDK does not depend on node:crypto.
  const node = key as { asymmetricKeyType?: string; asymmetricKeyDetails?: { namedCurve?: string } };
  if (node.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (node.asymmetricKeyType === 'ec') return EC_ALGS[String(node.asymmetricKeyDetails?.namedCurve)];
  if (node.asymmetricKeyType === 'rsa') return 'RS256';
  if (node.asymmetricKeyType === 'rsa-pss') return 'PS256';
  return undefined;
}

/** A key ready for jose to sign with, imported once rather than on every signature. */
export async function signingKey(key: PrivateKey, alg: string): Promise<CryptoKey | KeyObject> {
  if (!isJwk(key)) return key;
  if (typeof key.d !== 'string') throw new TypeError('the JWK holds no private key ("d")');
  return (await importJWK(key, alg)) as CryptoKey;
}

/** The public key members of each key type (RFC 7518 §6): nothing private can pass. */
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e'] as const;

/** The bare public key of a JWK, as a DPoP proof's `jwk` header carries it. */
export function publicJwk(jwk: JWK): JWK {
  const out: Record<string, unknown> = {};
  for (const m of PUBLIC_MEMBERS) if (jwk[m] !== undefined) out[m] = jwk[m];
  return out as JWK;
}
