import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createDpopVerifier,
  DPOP_SIGNING_ALGS,
  DpopError,
  jwkThumbprint,
} from '../src/modules/oauth/dpop.js';
import { createMemoryStore } from '../src/platform/store/memory.js';
import { createRedisStore } from '../src/platform/store/redis.js';
import type { EphemeralStore } from '../src/platform/store/store.js';
import { manualClock } from './harness.js';

const HTU = 'https://as.example.com/oauth/token';
const NONCE_WINDOW_MS = 5 * 60_000;

type Alg = 'EdDSA' | 'ES256' | 'ES384' | 'RS256' | 'PS256';
type Holder = Awaited<ReturnType<typeof holder>>;

/** A client's DPoP key pair, with its public JWK as it goes into the proof header. */
async function holder(alg: Alg = 'EdDSA') {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { alg, privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}

let clock: ReturnType<typeof manualClock>;
let store: EphemeralStore;
let key: Holder;
const nonceKey = randomBytes(32);

beforeEach(async () => {
  clock = manualClock(new Date('2030-01-01T00:00:00Z'));
  store = createMemoryStore(() => clock.now().getTime());
  key ??= await holder();
});
afterEach(() => store.close());

const verifier = (options: { requireNonce?: boolean; key?: Buffer } = {}) =>
  createDpopVerifier({
    store,
    clock,
    nonceKey: options.key ?? nonceKey,
    requireNonce: options.requireNonce ?? false,
  });

const seconds = () => Math.floor(clock.now().getTime() / 1000);

/** A proof for POST HTU now, by `by`; `claims` override or (as undefined) drop claims, `header` adds to the header. */
function proof(
  by: Holder = key,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
  signingKey: Parameters<SignJWT['sign']>[0] = by.privateKey,
) {
  const payload = Object.fromEntries(
    Object.entries({ jti: randomUUID(), htm: 'POST', htu: HTU, iat: seconds(), ...claims }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  return new SignJWT(payload)
    .setProtectedHeader({ alg: by.alg, typ: 'dpop+jwt', jwk: by.jwk, ...header })
    .sign(signingKey);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact JWS signed with node:crypto Ed25519, for headers jose refuses to produce. */
function rawProof(header: Record<string, unknown>, claims: Record<string, unknown> = {}) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  const signed = `${b64({ alg: 'EdDSA', typ: 'dpop+jwt', jwk, ...header })}.${b64({
    jti: randomUUID(),
    htm: 'POST',
    htu: HTU,
    iat: seconds(),
    ...claims,
  })}`;
  return `${signed}.${sign(null, Buffer.from(signed), privateKey).toString('base64url')}`;
}

async function refused(
  attempt: Promise<unknown>,
  code: DpopError['code'],
  description: RegExp,
): Promise<void> {
  const err = await attempt.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DpopError);
  expect((err as DpopError).code).toBe(code);
  expect((err as DpopError).description).toMatch(description);
}

const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

describe('valid proofs', () => {
  it.each<Alg>(['EdDSA', 'ES256', 'ES384', 'RS256', 'PS256'])(
    'accepts a %s proof and returns its key thumbprint',
    async (alg) => {
      const k = await holder(alg);
      expect(await verifier().verify(await proof(k), { htm: 'POST', htu: HTU })).toEqual({ jkt: k.jkt });
    },
  );

  it('advertises exactly the asymmetric algorithms it verifies', () => {
    expect(DPOP_SIGNING_ALGS).toEqual(['EdDSA', 'ES256', 'ES384', 'RS256', 'PS256']);
  });

  it('computes RFC 7638 thumbprints as jose does', async () => {
    for (const alg of ['EdDSA', 'ES256', 'RS256'] as const) {
      const k = await holder(alg);
      expect(jwkThumbprint(k.jwk as Record<string, unknown>)).toBe(k.jkt);
    }
  });

  it('accepts a proof for a protected request with the matching ath and bound key', async () => {
    const p = await proof(key, { htm: 'GET', ath: ath('the-token') });
    const opts = { htm: 'GET', htu: HTU, accessToken: 'the-token', expectedJkt: key.jkt };
    expect(await verifier().verify(p, opts)).toEqual({ jkt: key.jkt });
  });

  it('compares htu without query and fragment, after case and default-port normalization', async () => {
    const v = verifier();
    for (const htu of [
      'https://as.example.com/oauth/token?x=1#frag',
      'HTTPS://AS.Example.COM:443/oauth/token',
      'https://as.example.com/oauth/%74oken',
    ]) {
      expect(await v.verify(await proof(key, { htu }), { htm: 'POST', htu: HTU })).toEqual({ jkt: key.jkt });
    }
    const local = 'http://127.0.0.1:80/oauth/token';
    expect(
      await v.verify(await proof(key, { htu: local }), {
        htm: 'POST',
        htu: 'http://127.0.0.1/oauth/token?a=b',
      }),
    ).toEqual({ jkt: key.jkt });
  });

  it('accepts iat up to the window either side of the clock', async () => {
    const v = verifier();
    await v.verify(await proof(key, { iat: seconds() - 60 }), { htm: 'POST', htu: HTU });
    await v.verify(await proof(key, { iat: seconds() + 60 }), { htm: 'POST', htu: HTU });
  });
});

describe('refused proofs', () => {
  const opts = { htm: 'POST', htu: HTU };

  it('refuses a proof for another method', async () => {
    await refused(verifier().verify(await proof(key, { htm: 'GET' }), opts), 'invalid_dpop_proof', /htm/);
  });

  it('refuses a proof for another URL', async () => {
    const v = verifier();
    for (const htu of [
      'https://as.example.com/oauth/introspect',
      'https://other.example.com/oauth/token',
      'http://as.example.com/oauth/token',
      'https://as.example.com:8443/oauth/token',
      'https://as.example.com/oauth/token/',
      'not a url',
    ]) {
      await refused(v.verify(await proof(key, { htu }), opts), 'invalid_dpop_proof', /htu/);
    }
    await refused(v.verify(await proof(key, { htu: undefined }), opts), 'invalid_dpop_proof', /htu/);
  });

  it('refuses a proof whose iat is too old or too far ahead', async () => {
    const v = verifier();
    await refused(v.verify(await proof(key, { iat: seconds() - 61 }), opts), 'invalid_dpop_proof', /iat/);
    await refused(v.verify(await proof(key, { iat: seconds() + 61 }), opts), 'invalid_dpop_proof', /iat/);
    await refused(v.verify(await proof(key, { iat: undefined }), opts), 'invalid_dpop_proof', /iat/);
    await refused(v.verify(await proof(key, { iat: String(seconds()) }), opts), 'invalid_dpop_proof', /iat/);
    // A proof accepted now is refused once the clock has moved past its window.
    const later = await proof(key);
    clock.advance(61_000);
    await refused(v.verify(later, opts), 'invalid_dpop_proof', /iat/);
  });

  it('refuses a replayed jti, on this node and on another sharing the store', async () => {
    const p = await proof();
    await verifier().verify(p, opts);
    await refused(verifier().verify(p, opts), 'invalid_dpop_proof', /already used/);
    clock.advance(59_000);
    await refused(verifier().verify(p, opts), 'invalid_dpop_proof', /already used/);
  });

  it('remembers a jti per key: another key may use the same jti', async () => {
    const other = await holder('ES256');
    await verifier().verify(await proof(key, { jti: 'shared' }), opts);
    await verifier().verify(await proof(other, { jti: 'shared' }), opts);
    await refused(
      verifier().verify(await proof(key, { jti: 'shared' }), opts),
      'invalid_dpop_proof',
      /already used/,
    );
  });

  it('refuses a proof without a jti, or with an oversized one', async () => {
    const v = verifier();
    await refused(v.verify(await proof(key, { jti: undefined }), opts), 'invalid_dpop_proof', /jti/);
    await refused(v.verify(await proof(key, { jti: '' }), opts), 'invalid_dpop_proof', /jti/);
    await refused(v.verify(await proof(key, { jti: 'x'.repeat(257) }), opts), 'invalid_dpop_proof', /jti/);
  });

  it('refuses a typ other than dpop+jwt', async () => {
    const v = verifier();
    await refused(v.verify(await proof(key, {}, { typ: 'JWT' }), opts), 'invalid_dpop_proof', /typ/);
    await refused(v.verify(await proof(key, {}, { typ: 'at+jwt' }), opts), 'invalid_dpop_proof', /typ/);
    await refused(v.verify(rawProof({ typ: undefined }), opts), 'invalid_dpop_proof', /typ/);
  });

  it('refuses alg none and HS256, even with a jwk and a signature', async () => {
    const v = verifier();
    const valid = (await proof()).split('.');
    const none = `${b64({ alg: 'none', typ: 'dpop+jwt', jwk: key.jwk })}.${valid[1]}.${valid[2]}`;
    await refused(v.verify(none, opts), 'invalid_dpop_proof', /alg/);
    await refused(
      v.verify(`${none.split('.').slice(0, 2).join('.')}.`, opts),
      'invalid_dpop_proof',
      /malformed/,
    );
    const hs = await proof({ ...key, alg: 'HS256' as Alg }, {}, {}, randomBytes(32));
    await refused(v.verify(hs, opts), 'invalid_dpop_proof', /alg/);
  });

  it('refuses a proof whose jwk carries private key material', async () => {
    for (const alg of ['EdDSA', 'ES256', 'RS256'] as const) {
      const k = await holder(alg);
      const priv = await exportJWK(k.privateKey);
      await refused(
        verifier().verify(await proof({ ...k, jwk: priv }), opts),
        'invalid_dpop_proof',
        /public key/,
      );
    }
  });

  it('refuses a jwk that does not fit the alg, and a short RSA key', async () => {
    const es = await holder('ES256');
    await refused(verifier().verify(await proof({ ...key, jwk: es.jwk }), opts), 'invalid_dpop_proof', /alg/);
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const signed = `${b64({ alg: 'RS256', typ: 'dpop+jwt', jwk: publicKey.export({ format: 'jwk' }) })}.${b64(
      {
        jti: 'j',
        htm: 'POST',
        htu: HTU,
        iat: seconds(),
      },
    )}`;
    const p = `${signed}.${sign('sha256', Buffer.from(signed), privateKey).toString('base64url')}`;
    await refused(verifier().verify(p, opts), 'invalid_dpop_proof', /usable public key/);
  });

  it('refuses a proof signed by a key other than its header jwk', async () => {
    const other = await holder();
    await refused(
      verifier().verify(await proof(key, {}, {}, other.privateKey), opts),
      'invalid_dpop_proof',
      /signature/,
    );
    // A tampered payload under the original signature.
    const [h, , s] = (await proof()).split('.');
    const forged = `${h}.${b64({ jti: randomUUID(), htm: 'POST', htu: HTU, iat: seconds() })}.${s}`;
    await refused(verifier().verify(forged, opts), 'invalid_dpop_proof', /signature/);
  });

  it('refuses critical header extensions it does not understand', async () => {
    await refused(
      verifier().verify(rawProof({ crit: ['b64'], b64: false }), opts),
      'invalid_dpop_proof',
      /critical/,
    );
  });

  it('refuses a missing or different ath when an access token is presented', async () => {
    const withToken = { ...opts, accessToken: 'the-token' };
    await refused(
      verifier().verify(await proof(key, { ath: ath('another-token') }), withToken),
      'invalid_dpop_proof',
      /ath does not match/,
    );
    await refused(verifier().verify(await proof(), withToken), 'invalid_dpop_proof', /lacks ath/);
  });

  it('refuses a proof by a key other than the one the token is bound to', async () => {
    const other = await holder('ES256');
    await refused(
      verifier().verify(await proof(other), { ...opts, expectedJkt: key.jkt }),
      'invalid_dpop_proof',
      /bound/,
    );
  });

  it('refuses malformed compact serializations', async () => {
    const v = verifier();
    const [h, p, s] = (await proof()).split('.');
    for (const bad of [
      '',
      'abc',
      `${h}.${p}`,
      `${h}.${p}.${s}.${s}`,
      `${h}!.${p}.${s}`,
      `${b64('a string')}.${p}.${s}`,
      `${Buffer.from('{not json').toString('base64url')}.${p}.${s}`,
      `${h}.${p}.${s}${'A'.repeat(9000)}`,
    ]) {
      await refused(v.verify(bad, opts), 'invalid_dpop_proof', /malformed/);
    }
    // A payload that is not a JSON object, under a valid signature.
    await refused(v.verify(rawProofWithPayload('[1,2]'), opts), 'invalid_dpop_proof', /malformed/);
  });
});

/** An Ed25519-signed compact JWS over an arbitrary payload text. */
function rawProofWithPayload(payload: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const header = b64({ alg: 'EdDSA', typ: 'dpop+jwt', jwk: publicKey.export({ format: 'jwk' }) });
  const signed = `${header}.${Buffer.from(payload).toString('base64url')}`;
  return `${signed}.${sign(null, Buffer.from(signed), privateKey).toString('base64url')}`;
}

describe('server nonces', () => {
  const opts = { htm: 'POST', htu: HTU };

  it('asks for a nonce when one is required and the proof has none', async () => {
    await refused(verifier({ requireNonce: true }).verify(await proof(), opts), 'use_dpop_nonce', /nonce/);
  });

  it('accepts the current nonce, from any node sharing the nonce key', async () => {
    const nonce = verifier({ requireNonce: true }).nonce();
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await verifier({ requireNonce: true }).verify(await proof(key, { nonce }), opts)).toEqual({
      jkt: key.jkt,
    });
  });

  it("accepts the previous window's nonce and refuses one two windows old", async () => {
    // Start at a window boundary so each advance lands in exactly the next window.
    clock.advance(NONCE_WINDOW_MS - (clock.now().getTime() % NONCE_WINDOW_MS));
    const v = verifier({ requireNonce: true });
    const nonce = v.nonce();
    clock.advance(NONCE_WINDOW_MS);
    expect(v.nonce()).not.toBe(nonce);
    expect(await v.verify(await proof(key, { nonce }), opts)).toEqual({ jkt: key.jkt });
    clock.advance(NONCE_WINDOW_MS);
    await refused(v.verify(await proof(key, { nonce }), opts), 'use_dpop_nonce', /nonce/);
  });

  it('refuses a forged nonce or one from another deployment', async () => {
    const v = verifier({ requireNonce: true });
    await refused(
      v.verify(await proof(key, { nonce: randomBytes(32).toString('base64url') }), opts),
      'use_dpop_nonce',
      /nonce/,
    );
    const foreign = verifier({ key: randomBytes(32) }).nonce();
    await refused(v.verify(await proof(key, { nonce: foreign }), opts), 'use_dpop_nonce', /nonce/);
  });

  it('checks a nonce the proof carries even when none is required', async () => {
    const v = verifier();
    await refused(v.verify(await proof(key, { nonce: 'made-up' }), opts), 'use_dpop_nonce', /nonce/);
    await refused(v.verify(await proof(key, { nonce: 42 }), opts), 'invalid_dpop_proof', /nonce/);
    expect(await v.verify(await proof(key, { nonce: v.nonce() }), opts)).toEqual({ jkt: key.jkt });
  });
});

describe.skipIf(!process.env.REDIS_URL)('on Redis', () => {
  it('refuses a jti replayed on another node sharing the Redis store', async () => {
    const redis = createRedisStore(
      process.env.REDIS_URL as string,
      `gh:test:dpop:${randomUUID()}:`,
      pino({ level: 'silent' }),
    );
    try {
      for (
        let i = 0;
        !(await redis.ping().then(
          () => true,
          () => false,
        ));
        i++
      ) {
        if (i > 100) throw new Error('Redis not reachable');
        await sleep(20);
      }
      const node = () => createDpopVerifier({ store: redis, clock, nonceKey, requireNonce: false });
      const p = await proof();
      expect(await node().verify(p, { htm: 'POST', htu: HTU })).toEqual({ jkt: key.jkt });
      await refused(node().verify(p, { htm: 'POST', htu: HTU }), 'invalid_dpop_proof', /already used/);
    } finally {
      await redis.close();
    }
  });
});
