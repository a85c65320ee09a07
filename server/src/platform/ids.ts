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
  | 'res'
  | 'akey'
  | 'ckp'
  | 'prn'
  | 'int'
  | 'csk'
  | 'rm'
  | 'msg';

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

/** Per id kind: the time of the last id and its random part as base-32 digit values. */
const last = new Map<IdPrefix, { time: number; tail: Uint8Array }>();

/**
 * A prefixed id that sorts by creation time (ULID layout: 48-bit ms time, 80 random bits),
 * e.g. `org_01hx3v…`. Sorting ids gives creation order, which cursor pagination relies on:
 * within one millisecond (or a clock that stands still) the random part of the next id of the
 * same kind counts up, as ULID's monotonic mode does. Kinds are kept apart because they may be
 * stamped by different clocks (request ids by the process clock, rows by the injected one).
 */
export function newId(prefix: IdPrefix, now = Date.now()): string {
  let state = last.get(prefix);
  if (!state) {
    state = { time: -1, tail: new Uint8Array(16) };
    last.set(prefix, state);
  }
  const { tail } = state;
  if (now === state.time) {
    // Add one to the base-32 number; 80 random bits do not overflow in practice.
    for (let i = 15; i >= 0; i--) {
      if ((tail[i] as number) < 31) {
        tail[i] = (tail[i] as number) + 1;
        break;
      }
      tail[i] = 0;
    }
  } else {
    state.time = now;
    const random = random16();
    for (let i = 0; i < 16; i++) tail[i] = (random[i] as number) & 31;
  }
  let out = `${prefix}_${encodeTime(now)}`;
  for (let i = 0; i < 16; i++) out += ALPHABET[tail[i] as number];
  return out;
}
