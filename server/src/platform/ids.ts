import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

/** Prefixes of every id kind, so an id says what it names. */
export type IdPrefix =
  | 'org'
  | 'usr'
  | 'ses'
  | 'inv'
  | 'aud'
  | 'req'
  | 'key'
  | 'agt'
  | 'agv'
  | 'crd'
  | 'iat'
  | 'dlg'
  | 'res';

// Random bytes drawn 4 KiB at a time: one syscall per 256 ids instead of one per id.
let pool = Buffer.alloc(0);
let offset = 0;
function random16(): Buffer {
  if (offset + 16 > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  offset += 16;
  return pool.subarray(offset - 16, offset);
}

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

let lastTime = -1;
/** The random part of the last id, as base-32 digit values; counted up within one millisecond. */
const lastTail = new Uint8Array(16);

function encodeTail(): string {
  let out = '';
  for (let i = 0; i < 16; i++) out += ALPHABET[lastTail[i] as number];
  return out;
}

/**
 * A prefixed id that sorts by creation time (ULID layout: 48-bit ms time, 80 random bits),
 * e.g. `org_01hx3v…`. Sorting ids gives creation order, which cursor pagination relies on:
 * within one millisecond (or a clock that stands still) the random part counts up, as ULID's
 * monotonic mode does, so ids made later in a process never sort before earlier ones.
 */
export function newId(prefix: IdPrefix, now = Date.now()): string {
  if (now === lastTime) {
    // Add one to the base-32 number; 80 random bits do not overflow in practice.
    for (let i = 15; i >= 0; i--) {
      if ((lastTail[i] as number) < 31) {
        lastTail[i] = (lastTail[i] as number) + 1;
        break;
      }
      lastTail[i] = 0;
    }
  } else {
    lastTime = now;
    const random = random16();
    for (let i = 0; i < 16; i++) lastTail[i] = (random[i] as number) & 31;
  }
  return `${prefix}_${encodeTime(now)}${encodeTail()}`;
}
