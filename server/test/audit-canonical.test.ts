import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import {
  type ChainedFields,
  canonicalJson,
  canonicalRecord,
  chainHash,
  GENESIS_HASH,
} from '../src/modules/audit/canonical.js';

/** Our RFC 8785 canonical form, checked against the `canonicalize` package (the RFC author's). */
const samples: unknown[] = [
  null,
  true,
  0,
  -0,
  1e21,
  1e-7,
  123.456,
  2 ** 53,
  '',
  'plain',
  'quote " backslash \\ newline \n tab \t control \u0001 euro € emoji 😀',
  [],
  [1, 'a', null, [true, {}]],
  { b: 1, a: 2, A: 3, _: 4, '10': 5, '9': 6 },
  // Keys sorted by UTF-16 code units: 'é' (U+00E9) before '😀' (D83D DE00) before 'ｚ' (U+FF5A).
  { ｚ: 1, '😀': 2, é: 3, e: 4 },
  { nested: { z: [3, 2, 1], a: { y: null, x: 'x' } }, numbers: [1.5, -2, 3e-10, 4e20] },
];

describe('canonical JSON (RFC 8785)', () => {
  it('matches the reference implementation on strings, numbers, arrays and key order', () => {
    for (const v of samples) expect(canonicalJson(v), JSON.stringify(v)).toBe(canonicalize(v));
  });

  it('writes a record exactly as the generic form would', () => {
    const record: ChainedFields = {
      org_id: 'org_1',
      seq: 42,
      id: 'aud_1',
      at: '2026-11-25T12:00:00.000Z',
      actor_type: 'agent',
      actor_id: 'agt_1',
      actor_chain: { sub: 'agt_2', act: { sub: 'agt_1', client_id: 'cli_1' } },
      action: 'token.exchanged',
      target_type: 'token',
      target_id: 'b6f1',
      outcome: 'success',
      ip: null,
      user_agent: 'ua "quoted"',
      request_id: 'req_1',
      details: { scope: 'a b', exp: 1_800_000_000, list: [{ b: 1, a: 2 }] },
    };
    expect(canonicalRecord(record)).toBe(canonicalize(record));
    expect(canonicalRecord({ ...record, actor_chain: null, details: {} })).toBe(
      canonicalize({ ...record, actor_chain: null, details: {} }),
    );
    expect(chainHash(GENESIS_HASH, record)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses what JSON cannot carry', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow();
    expect(() => canonicalJson(() => 1)).toThrow();
  });
});
