import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './client.js';
import { manualClock, startTestServer, type TestServer } from './harness.js';
import { clientBuilder, type TestClient } from './oauth-fixture.js';

/** A resource server that knows only the issuer URL, verifying tokens from the token endpoint across a rotation. */
const clock = manualClock();
let server: TestServer;
let api: ReturnType<typeof client>;
let admin: string;
let agent: TestClient;

beforeAll(async () => {
  server = await startTestServer({ clock, env: { GATEHOUSE_KEY_PUBLISH_AHEAD_SECONDS: '300' } });
  api = client(server);
  admin = await api.login(server.admin.email, server.admin.password);
  agent = await clientBuilder(
    api,
    admin,
    'rotation',
  )({ allowed_scopes: ['files:read'], token_ttl_seconds: 900 });
});
afterAll(() => server.close());

describe('interop: jose createRemoteJWKSet across a key rotation', () => {
  it('verifies tokens signed before and after the rotation, the old one until it expires', async () => {
    // One JWKS instance for the whole test, as a long-running resource server would keep.
    const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`), { cooldownDuration: 0 });
    const verify = (token: string) =>
      jwtVerify(token, jwks, {
        issuer: server.url,
        audience: server.url,
        typ: 'at+jwt',
        currentDate: clock.now(),
      });

    const before = await agent.token();
    await expect(verify(before)).resolves.toBeTruthy();
    const rotated = await api.post('/v1/admin/keys/rotate', {}, admin);
    expect(rotated.status).toBe(201);
    clock.advance(301_000);
    const after = await agent.token();
    expect(decodeProtectedHeader(after).kid).toBe(rotated.body.kid);
    expect(decodeProtectedHeader(after).kid).not.toBe(decodeProtectedHeader(before).kid);
    const { payload } = await verify(after);
    expect(payload.sub).toBe(agent.agentId);
    await expect(verify(before)).resolves.toBeTruthy();
    clock.advance(600_000);
    await expect(verify(before)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
  });
});

describe('resource indicators (RFC 8707)', () => {
  it('sets aud to a registered resource, refuses an unknown one, and Gatehouse refuses tokens for others', async () => {
    admin = await api.login(server.admin.email, server.admin.password);
    const uri = 'https://files.example.com/api';
    expect((await api.post('/v1/resources', { uri, name: 'Files API' }, admin)).status).toBe(201);
    const reader = await clientBuilder(api, admin, 'aud')({ allowed_scopes: ['gatehouse:agents.read'] });
    const token = await reader.token({ resource: uri });
    const [, p] = token.split('.') as [string, string];
    expect(JSON.parse(Buffer.from(p, 'base64url').toString()).aud).toBe(uri);
    // A token for the files API is no key to Gatehouse's own API.
    const r = await api.get('/v1/agents', token);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toContain('another audience');
    expect((await api.get('/v1/agents', await reader.token())).status).toBe(200);

    const unknown = await api.call('POST', '/oauth/token', {
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        resource: 'https://unknown.example',
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...reader.auth },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe('invalid_target');
  });
});
