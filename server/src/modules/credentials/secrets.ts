import { randomBytes, timingSafeEqual } from 'node:crypto';
import { randomSecret } from '../../platform/crypto.js';

const BASE32 = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case, as ids use

/** `length` random base32 characters (5 bits each; 256 is a multiple of 32, so unbiased). */
function randomBase32(length: number): string {
  let out = '';
  for (const byte of randomBytes(length)) out += BASE32[byte % 32];
  return out;
}

/** An OAuth client id: public, one per credential, kept across rotation (130 random bits). */
export const newClientId = () => `ghc_${randomBase32(26)}`;

/** A client secret: 256 random bits; the prefix lets secret scanners recognise a leaked one. */
export const newClientSecret = () => randomSecret('ghcs_');

/** An API key's public prefix: 12 base32 characters (60 bits), enough to find it in one lookup. */
export const newKeyPrefix = () => randomBase32(12);

/** An API key `gh_<prefix>_<secret>`: the secret is 256 random bits in 43 base64url characters. */
export const newApiKey = (prefix: string) => randomSecret(`gh_${prefix}_`);

// The prefix holds no `_`, so the first two underscores delimit it even though base64url
// secrets may contain `_` themselves.
const API_KEY = /^gh_([0-9a-z]{12})_[A-Za-z0-9_-]{43}$/;

/** The public prefix of a well-formed API key, or undefined. */
export const apiKeyPrefix = (apiKey: string): string | undefined => API_KEY.exec(apiKey)?.[1];

/** Client secrets are 48 characters; anything much longer is not worth hashing. */
export const MAX_SECRET_LENGTH = 256;

/**
 * Compares a presented secret's HMAC with a stored one in constant time (both are 32-byte
 * HMAC-SHA256 digests; a missing stored hash never matches).
 */
export function hashesEqual(presented: Buffer, stored: Buffer | null): boolean {
  return stored !== null && stored.length === presented.length && timingSafeEqual(presented, stored);
}
