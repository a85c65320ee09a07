import { describe, expect, it } from 'vitest';
import { redact } from '../src/modules/audit/redact.js';
import { passwords } from '../src/modules/users/passwords.js';
import { createSecretHasher, deriveKey, randomSecret, seal, unseal } from '../src/platform/crypto.js';
import { newId } from '../src/platform/ids.js';

describe('ids', () => {
  it('are prefixed, 26 characters of Crockford base32, and unique', () => {
    const ids = Array.from({ length: 2000 }, () => newId('usr'));
    for (const id of ids) expect(id).toMatch(/^usr_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('sort by creation time', () => {
    const earlier = newId('org', Date.UTC(2026, 0, 1));
    const later = newId('org', Date.UTC(2026, 0, 1) + 1);
    expect([later, earlier].sort()).toEqual([earlier, later]);
  });
});

describe('secrets', () => {
  it('carry 256 bits behind their prefix', () => {
    const secret = randomSecret('ghs_');
    expect(secret).toMatch(/^ghs_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret.slice(4), 'base64url')).toHaveLength(32);
  });

  it('hash under a pepper: same input and pepper match, another pepper does not', () => {
    const master = Buffer.alloc(32, 1);
    const a = createSecretHasher(deriveKey(master, 'secret-pepper/v1'));
    const b = createSecretHasher(deriveKey(Buffer.alloc(32, 2), 'secret-pepper/v1'));
    expect(a.hash('ghs_x')).toBe(a.hash('ghs_x'));
    expect(a.hash('ghs_x')).not.toBe(a.hash('ghs_y'));
    expect(a.hash('ghs_x')).not.toBe(b.hash('ghs_x'));
    expect(a.hash('ghs_x')).not.toContain('ghs_x');
  });

  it('derives different keys for different purposes', () => {
    const master = Buffer.alloc(32, 1);
    expect(deriveKey(master, 'a').equals(deriveKey(master, 'b'))).toBe(false);
    expect(deriveKey(master, 'a')).toHaveLength(32);
  });
});

describe('sealing', () => {
  const key = Buffer.alloc(32, 9);

  it('opens with the same key and context only', () => {
    const sealed = seal(key, Buffer.from('private key bytes'), 'key_1');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('private');
    expect(unseal(key, sealed, 'key_1').toString()).toBe('private key bytes');
    expect(() => unseal(key, sealed, 'key_2')).toThrow();
    expect(() => unseal(Buffer.alloc(32, 8), sealed, 'key_1')).toThrow();
  });

  it('detects a flipped bit', () => {
    const sealed = seal(key, Buffer.from('secret'), 'ctx');
    const parts = sealed.split('.');
    const ct = Buffer.from(parts[3] ?? '', 'base64url');
    ct[0] = (ct[0] ?? 0) ^ 1;
    parts[3] = ct.toString('base64url');
    expect(() => unseal(key, parts.join('.'), 'ctx')).toThrow();
  });
});

describe('passwords', () => {
  it('hash with Argon2id and verify only the right password', async () => {
    const stored = await passwords.hash('correct horse battery');
    expect(stored).toMatch(/^\$argon2id\$/);
    expect(await passwords.verify(stored, 'correct horse battery')).toBe(true);
    expect(await passwords.verify(stored, 'wrong horse battery')).toBe(false);
    expect(await passwords.verify('not a hash', 'x')).toBe(false);
  });
});

describe('audit redaction', () => {
  it('drops values under secret-looking keys at any depth, keeps the rest', () => {
    expect(
      redact({
        email: 'a@example.com',
        password: 'p',
        nested: { client_secret: 's', api_key: 'k', list: [{ Authorization: 'Bearer x', role: 'admin' }] },
      }),
    ).toEqual({
      email: 'a@example.com',
      password: '[redacted]',
      nested: {
        client_secret: '[redacted]',
        api_key: '[redacted]',
        list: [{ Authorization: '[redacted]', role: 'admin' }],
      },
    });
  });
});

describe('newId within one millisecond', () => {
  it('counts up, so ids made at the same instant keep creation order', () => {
    const at = Date.UTC(2026, 5, 1);
    const ids = Array.from({ length: 500 }, () => newId('res', at));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(500);
  });
});

describe('newId with ids of other kinds in between', () => {
  it('keeps one kind in order at a standing instant, whatever other clocks stamp meanwhile', () => {
    const at = Date.UTC(2026, 6, 1);
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      newId('req'); // the process clock, as request ids are stamped
      ids.push(newId('res', at));
    }
    expect([...ids].sort()).toEqual(ids);
  });
});
