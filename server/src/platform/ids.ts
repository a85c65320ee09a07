import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

/** Prefixes of every id kind, so an id says what it names. */
export type IdPrefix = 'org' | 'usr' | 'ses' | 'inv' | 'aud' | 'req';

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

/**
 * A prefixed id that sorts by creation time (ULID layout: 48-bit ms time, 80 random bits),
 * e.g. `org_01hx3v…`. Sorting ids gives creation order, which cursor pagination relies on.
 */
export function newId(prefix: IdPrefix, now = Date.now()): string {
  const random = randomBytes(16);
  let tail = '';
  for (let i = 0; i < 16; i++) tail += ALPHABET[(random[i] as number) % 32];
  return `${prefix}_${encodeTime(now)}${tail}`;
}
