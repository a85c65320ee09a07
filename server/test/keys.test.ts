import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './client.js';
import { manualClock, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let api: ReturnType<typeof client>;
let admin: string;
let orgId: string;
const clock = manualClock();
const DAY = 24 * 3600 * 1000;

beforeAll(async () => {
  server = await startTestServer({ clock, env: { GATEHOUSE_KEY_PUBLISH_AHEAD_SECONDS: '300' } });
  api = client(server);
  admin = await api.login(server.admin.email, server.admin.password);
  orgId = (await api.get('/v1/auth/session', admin)).body.org.id;
});
afterAll(() => server.close());

const sign = (claims: Record<string, unknown> = {}) => {
  const now = Math.floor(clock.now().getTime() / 1000);
  return server.runtime.services.keys.sign(orgId, 'at+jwt', {
    iss: server.url,
    sub: 'agt_test',
    aud: 'https://api.example',
    iat: now,
    exp: now + 900,
    ...claims,
  });
};

/** Verifies like an outside resource server: keys fetched from the JWKS URL, a fresh cache each time. */
const verify = (token: string) =>
  jwtVerify(token, createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`)), {
    issuer: server.url,
    audience: 'https://api.example',
    typ: 'at+jwt',
    currentDate: clock.now(),
  });

describe('signing keys', () => {
  it('creates the first key on demand; tokens verify against the public JWKS', async () => {
    const token = await sign();
    const { payload, protectedHeader } = await verify(token);
    expect(payload.sub).toBe('agt_test');
    expect(protectedHeader).toMatchObject({
      alg: 'EdDSA',
      typ: 'at+jwt',
      kid: expect.stringMatching(/^key_/),
    });
    const jwks = await api.get('/.well-known/jwks.json');
    expect(jwks.headers.get('cache-control')).toContain('max-age');
    const key = jwks.body.keys.find((k: any) => k.kid === protectedHeader.kid);
    expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(key).not.toHaveProperty('d');
  });

  it('keeps private keys sealed at rest', async () => {
    const rows = await server.runtime.db.system.selectFrom('signing_keys').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.private_key_sealed).toMatch(/^v1\./);
      expect(row.private_key_sealed).not.toContain('PRIVATE KEY');
      expect(row.public_jwk).not.toHaveProperty('d');
    }
  });

  it('publishes a rotated key before signing with it, and the old one until its tokens expire', async () => {
    const before = await sign({
      nbf: 0,
      jti: 'at_keys_test',
      client_id: 'cli_test',
      scope: '',
      org_id: orgId,
    });
    const oldKid = decodeProtectedHeader(before).kid;
    // Gatehouse's own verifier remembers the signature it checked: twice, the second from memory.
    const { verifier } = server.runtime.services;
    await expect(verifier.decode(before)).resolves.toMatchObject({ sub: 'agt_test' });
    await expect(verifier.decode(before)).resolves.toMatchObject({ sub: 'agt_test' });
    const rotated = await api.post('/v1/admin/keys/rotate', {}, admin);
    expect(rotated.status).toBe(201);
    expect(rotated.body.status).toBe('pending');
    const newKid = rotated.body.kid;

    const published = (await api.get('/.well-known/jwks.json')).body.keys.map((k: any) => k.kid);
    expect(published).toEqual(expect.arrayContaining([oldKid, newKid]));
    expect(decodeProtectedHeader(await sign()).kid).toBe(oldKid);

    clock.advance(301 * 1000);
    const after = await sign();
    expect(decodeProtectedHeader(after).kid).toBe(newKid);
    await expect(verify(after)).resolves.toBeTruthy();
    await expect(verify(before)).resolves.toBeTruthy();
    const list = (await api.get('/v1/admin/keys', admin)).body.items;
    expect(list.find((k: any) => k.kid === oldKid).status).toBe('retired');
    expect(list.find((k: any) => k.kid === newKid).status).toBe('active');

    // A token the old key signed just before the switch still verifies until it expires.
    clock.advance(DAY + 1000);
    const stillPublished = (await api.get('/.well-known/jwks.json')).body.keys.map((k: any) => k.kid);
    expect(stillPublished).not.toContain(oldKid);
    expect(stillPublished).toContain(newKid);
    // The remembered signature does not outlive its key: the token fails like any other.
    await expect(verifier.decode(before)).rejects.toThrow('unknown signing key');
    admin = await api.login(server.admin.email, server.admin.password); // the day outlived the session
  });

  it.each(['ES256', 'RS256'] as const)('rotates to %s, and its tokens verify', async (alg) => {
    const r = await api.post('/v1/admin/keys/rotate', { alg }, admin);
    expect(r.body.alg).toBe(alg);
    clock.advance(301 * 1000);
    const token = await sign();
    expect(decodeProtectedHeader(token)).toMatchObject({ alg, kid: r.body.kid });
    await expect(verify(token)).resolves.toBeTruthy();
  });

  it('refuses a tampered token', async () => {
    const token = await sign();
    const [h, p, s] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(p ?? '', 'base64url').toString()), sub: 'agt_admin' }),
    );
    await expect(verify(`${h}.${forged.toString('base64url')}.${s}`)).rejects.toThrow();
  });

  it('only admins see or rotate keys, and only their own org', async () => {
    const member = await api.addMember(admin, `keys-${Date.now()}@example.com`, 'manager');
    expect((await api.get('/v1/admin/keys', member.token)).status).toBe(403);
    expect((await api.post('/v1/admin/keys/rotate', {}, member.token)).status).toBe(403);
    const other = await api.post('/v1/orgs', { name: 'Keys Other' }, member.token);
    await api.call('PUT', '/v1/auth/session/org', { token: member.token, body: { org_id: other.body.id } });
    const theirs = await api.get('/v1/admin/keys', member.token);
    expect(theirs.status).toBe(200);
    expect(theirs.body.items).toEqual([]);
  });

  it('scheduled rotation rotates each due org once, even when nodes race', async () => {
    const keys = server.runtime.services.keys;
    clock.advance(91 * DAY);
    const before = (await keys.list(orgId)).map((k) => k.kid);
    await Promise.all([keys.rotateDue(90 * DAY), keys.rotateDue(90 * DAY)]);
    const added = (await keys.list(orgId)).filter((k) => !before.includes(k.kid));
    expect(added).toHaveLength(1);
    expect(added[0]?.status).toBe('pending');
    // Not due again right after.
    await keys.rotateDue(90 * DAY);
    expect((await keys.list(orgId)).filter((k) => !before.includes(k.kid))).toHaveLength(1);
  });
});
