import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const KEY = randomBytes(32);

/** Runs loadConfig and returns the ConfigError it throws (fails the test when it does not throw). */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig defaults', () => {
  it('serves on 127.0.0.1:8080 with an embedded database in ./data', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.issuer).toBe('http://localhost:8080');
    expect(config.dataDir).toBe('./data');
    expect(config.database).toEqual({ kind: 'pglite', dataDir: './data' });
    expect(config.redis).toBeUndefined();
    expect(config.masterKey).toBeUndefined();
    expect(config.logLevel).toBe('info');
    expect(config.corsOrigins).toEqual([]);
    expect(config.trustProxy).toBe(false);
    expect(config.admin).toEqual({ email: undefined, password: undefined });
  });

  it('derives the default issuer from PORT', () => {
    expect(loadConfig({ PORT: '9000' }).issuer).toBe('http://localhost:9000');
  });

  it('keeps the embedded database in memory with GATEHOUSE_DATA_DIR=memory', () => {
    const config = loadConfig({ GATEHOUSE_DATA_DIR: 'memory' });
    expect(config.database).toEqual({ kind: 'pglite', dataDir: 'memory' });
  });

  it('uses PostgreSQL when DATABASE_URL is set, with the pool size', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://u@db.internal:5432/gh',
      DATABASE_POOL_MAX: '25',
      GATEHOUSE_MASTER_KEY: KEY.toString('hex'),
    });
    expect(config.database).toEqual({
      kind: 'postgres',
      url: 'postgresql://u@db.internal:5432/gh',
      poolMax: 25,
    });
  });

  it('uses Redis with the default key prefix when REDIS_URL is set', () => {
    expect(loadConfig({ REDIS_URL: 'redis://cache:6379' }).redis).toEqual({
      url: 'redis://cache:6379',
      prefix: 'gh:',
    });
    expect(loadConfig({ REDIS_URL: 'rediss://cache:6380', GATEHOUSE_REDIS_PREFIX: 'a:' }).redis).toEqual({
      url: 'rediss://cache:6380',
      prefix: 'a:',
    });
  });
});

describe('loadConfig refuses invalid settings by name', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'http://cache'],
    ['LOG_LEVEL', 'loud'],
    ['GATEHOUSE_MASTER_KEY', 'short'],
    ['GATEHOUSE_ISSUER', 'ftp://id.example.com'],
    ['GATEHOUSE_ADMIN_EMAIL', 'not-an-email'],
    ['GATEHOUSE_ADMIN_PASSWORD', 'too short'],
    ['GATEHOUSE_TRUST_PROXY', 'yes'],
    ['GATEHOUSE_BODY_LIMIT_BYTES', '10'],
  ])('%s=%s', (name, value) => {
    const err = configError({
      [name]: value,
      ...(name === 'DATABASE_URL' ? { GATEHOUSE_MASTER_KEY: KEY.toString('hex') } : {}),
    });
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(new RegExp(`^${name}: `));
    expect(err.message).toContain(name);
  });

  it('says what a database URL must look like', () => {
    expect(
      configError({ DATABASE_URL: 'mysql://x', GATEHOUSE_MASTER_KEY: KEY.toString('hex') }).problems,
    ).toEqual(['DATABASE_URL: must be a postgres:// or postgresql:// URL']);
  });

  it('reports every invalid setting at once', () => {
    const err = configError({
      PORT: 'abc',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://x',
      GATEHOUSE_MASTER_KEY: 'short',
    });
    const named = err.problems.map((p) => p.split(':')[0]).sort();
    expect(named).toEqual(['DATABASE_URL', 'GATEHOUSE_MASTER_KEY', 'LOG_LEVEL', 'PORT']);
    for (const name of named) expect(err.message).toContain(name);
  });

  it('reports a missing master key together with other problems', () => {
    const err = configError({ PORT: 'abc', DATABASE_URL: 'postgres://db/gh' });
    expect(err.problems.map((p) => p.split(':')[0]).sort()).toEqual(['GATEHOUSE_MASTER_KEY', 'PORT']);
  });

  it('refuses DATABASE_URL without GATEHOUSE_MASTER_KEY', () => {
    const err = configError({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/gh' });
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(/^GATEHOUSE_MASTER_KEY: required when DATABASE_URL is set/);
  });

  it('treats an empty GATEHOUSE_MASTER_KEY as missing', () => {
    const err = configError({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/gh',
      GATEHOUSE_MASTER_KEY: '  ',
    });
    expect(err.problems[0]).toMatch(/^GATEHOUSE_MASTER_KEY: required/);
  });
});

describe('GATEHOUSE_MASTER_KEY', () => {
  it.each([
    ['hex', KEY.toString('hex')],
    ['upper-case hex', KEY.toString('hex').toUpperCase()],
    ['base64url', KEY.toString('base64url')],
    ['padded base64', KEY.toString('base64')],
  ])('decodes %s to the same 32 bytes', (_kind, text) => {
    const key = loadConfig({ GATEHOUSE_MASTER_KEY: text }).masterKey;
    expect(key).toBeInstanceOf(Buffer);
    expect(key?.length).toBe(32);
    expect(key?.equals(KEY)).toBe(true);
  });

  it('decodes base64 using + and / as well as base64url', () => {
    // 0xfb 0xff… encodes to "-_" in base64url and "+/" in base64.
    const key = Buffer.alloc(32, 0xfb);
    key[1] = 0xff;
    const standard = key.toString('base64');
    expect(standard).toMatch(/[+/]/);
    expect(loadConfig({ GATEHOUSE_MASTER_KEY: standard }).masterKey?.equals(key)).toBe(true);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(configError({ GATEHOUSE_MASTER_KEY: randomBytes(16).toString('hex') }).problems[0]).toMatch(
      /^GATEHOUSE_MASTER_KEY: must be 32 bytes/,
    );
    expect(configError({ GATEHOUSE_MASTER_KEY: randomBytes(48).toString('base64url') }).problems[0]).toMatch(
      /^GATEHOUSE_MASTER_KEY: /,
    );
  });
});

describe('other settings', () => {
  it('strips trailing slashes from GATEHOUSE_ISSUER', () => {
    expect(loadConfig({ GATEHOUSE_ISSUER: 'https://id.example.com/' }).issuer).toBe('https://id.example.com');
    expect(loadConfig({ GATEHOUSE_ISSUER: 'https://id.example.com/auth//' }).issuer).toBe(
      'https://id.example.com/auth',
    );
    expect(loadConfig({ GATEHOUSE_ISSUER: 'http://localhost:3000' }).issuer).toBe('http://localhost:3000');
  });

  it('parses GATEHOUSE_CORS_ORIGINS as a trimmed comma-separated list', () => {
    expect(
      loadConfig({ GATEHOUSE_CORS_ORIGINS: ' https://a.example , https://b.example,,  ' }).corsOrigins,
    ).toEqual(['https://a.example', 'https://b.example']);
    expect(loadConfig({ GATEHOUSE_CORS_ORIGINS: 'https://only.example' }).corsOrigins).toEqual([
      'https://only.example',
    ]);
    expect(loadConfig({ GATEHOUSE_CORS_ORIGINS: '' }).corsOrigins).toEqual([]);
  });

  it('coerces numbers and booleans', () => {
    const config = loadConfig({
      PORT: '0',
      GATEHOUSE_TRUST_PROXY: 'true',
      GATEHOUSE_LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
      GATEHOUSE_LOGIN_WINDOW_SECONDS: '60',
      GATEHOUSE_SESSION_TTL_SECONDS: '3600',
      LOG_LEVEL: 'silent',
    });
    expect(config.port).toBe(0);
    expect(config.trustProxy).toBe(true);
    expect(config.login).toEqual({ maxFailuresPerAccount: 3, maxFailuresPerIp: 100, windowSeconds: 60 });
    expect(config.sessionTtlSeconds).toBe(3600);
    expect(config.logLevel).toBe('silent');
  });

  it('treats empty admin settings as unset', () => {
    expect(loadConfig({ GATEHOUSE_ADMIN_EMAIL: '', GATEHOUSE_ADMIN_PASSWORD: ' ' }).admin).toEqual({
      email: undefined,
      password: undefined,
    });
  });

  it('ignores unrelated environment variables', () => {
    expect(() => loadConfig({ HOME: '/root', PATH: '/bin', SOMETHING_ELSE: 'x' })).not.toThrow();
  });

  it('returns a frozen config', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as any).port = 1;
    }).toThrow(TypeError);
    expect(config.port).toBe(8080);
    expect(Object.isFrozen(config.database)).toBe(true);
    expect(Object.isFrozen(config.login)).toBe(true);
  });

  it('treats an empty PORT as unset', () => {
    expect(loadConfig({ PORT: '' }).port).toBe(8080);
  });
});
