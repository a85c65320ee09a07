import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './client.js';
import { manualClock, startTestServer, type TestServer } from './harness.js';

const clock = manualClock();
let server: TestServer;
let api: ReturnType<typeof client>;
let adminA: string;
let adminAId: string;
let orgA: string;
let adminB: string;
let orgB: string;

const SCOPES = ['mcp:read', 'mcp:tools'];

beforeAll(async () => {
  server = await startTestServer({ clock });
  api = client(server);
  adminA = await api.login(server.admin.email, server.admin.password);
  const session = (await api.get('/v1/auth/session', adminA)).body;
  orgA = session.org.id;
  adminAId = session.user.id;
  const founder = await api.addMember(adminA, 'registration-founder-b@example.com', 'viewer');
  orgB = (await api.post('/v1/orgs', { name: 'Registration B' }, founder.token)).body.id;
  await api.call('PUT', '/v1/auth/session/org', { token: founder.token, body: { org_id: orgB } });
  adminB = founder.token;
});
afterAll(() => server.close());

/** Data builder: an initial access token issued by `admin` (org A's unless told). */
async function newToken(
  body: Record<string, unknown> = {},
  admin = adminA,
): Promise<{ id: string; token: string }> {
  const r = await api.post('/v1/registration/tokens', body, admin);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

const setRegistration = async (enabled: boolean, default_scopes = SCOPES, admin = adminA) => {
  const r = await api.call('PUT', '/v1/registration', { token: admin, body: { enabled, default_scopes } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};

function register(token: string | undefined, body: unknown, headers: Record<string, string> = {}) {
  return api.call('POST', '/oauth/register', {
    body,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  });
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

function tokenRequest(params: Record<string, string>, headers: Record<string, string> = {}) {
  return api.call('POST', '/oauth/token', {
    body: new URLSearchParams({ grant_type: 'client_credentials', ...params }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  });
}

const auditOf = (action: string) =>
  server.runtime.db.system
    .selectFrom('audit_events')
    .selectAll()
    .where('action', '=', action)
    .orderBy('id')
    .execute();

const usesOf = async (id: string, admin = adminA) =>
  (await api.get('/v1/registration/tokens?limit=200', admin)).body.items.find(
    (t: { id: string }) => t.id === id,
  );

function expectInvalidToken(r: { status: number; body: any; headers: Headers }, description?: string) {
  expect(r.status).toBe(401);
  expect(r.body.error).toBe('invalid_token');
  expect(r.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
  if (description) expect(r.body.error_description).toContain(description);
}

function expectBadMetadata(r: { status: number; body: any }, mentions: string) {
  expect(r.status, JSON.stringify(r.body)).toBe(400);
  expect(r.body.error).toBe('invalid_client_metadata');
  expect(r.body.error_description).toContain(mentions);
}

describe('management', () => {
  it('is off by default, with no scopes', async () => {
    const r = await api.get('/v1/registration', adminA);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ enabled: false, default_scopes: [], updated_at: null });
  });

  it('is for admins only', async () => {
    const manager = await api.addMember(adminA, 'registration-manager@example.com', 'manager');
    for (const r of [
      await api.get('/v1/registration', manager.token),
      await api.call('PUT', '/v1/registration', {
        token: manager.token,
        body: { enabled: true, default_scopes: [] },
      }),
      await api.post('/v1/registration/tokens', {}, manager.token),
      await api.get('/v1/registration/tokens', manager.token),
    ]) {
      expect(r.status).toBe(403);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('issues a token shown once, 7 days by default, and lists it without the secret', async () => {
    const created = await newToken({ max_uses: 3 });
    expect(created.token).toMatch(/^ghiat_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({
      id: expect.stringMatching(/^iat_/),
      status: 'active',
      uses: 0,
      max_uses: 3,
    });
    const days = (Date.parse((created as any).expires_at) - clock.now().getTime()) / 86_400_000;
    expect(days).toBeCloseTo(7, 3);
    const listed = await usesOf(created.id);
    expect(listed).toMatchObject({ id: created.id, status: 'active', uses: 0, created_by: adminAId });
    expect(JSON.stringify(listed)).not.toContain(created.token);
    expect(listed).not.toHaveProperty('token');
    expect(listed).not.toHaveProperty('token_hash');
    const [audit] = await auditOf('registration.token_created');
    expect(audit).toMatchObject({ actor_type: 'user', actor_id: adminAId, target_id: created.id });
  });

  it('refuses an expiry in the past or beyond a year, and an unknown token id', async () => {
    const past = await api.post('/v1/registration/tokens', { expires_at: '2000-01-01T00:00:00Z' }, adminA);
    expect(past.status).toBe(400);
    expect(past.body.code).toBe('invalid_expiry');
    const far = new Date(clock.now().getTime() + 400 * 86_400_000).toISOString();
    expect((await api.post('/v1/registration/tokens', { expires_at: far }, adminA)).body.code).toBe(
      'invalid_expiry',
    );
    expect((await api.post('/v1/registration/tokens', { max_uses: 0 }, adminA)).status).toBe(400);
    expect((await api.del('/v1/registration/tokens/iat_00000000000000000000000000', adminA)).status).toBe(
      404,
    );
  });
});

describe('POST /oauth/register', () => {
  it('is refused while the org has registration off, and the refusal is recorded', async () => {
    const { id, token } = await newToken();
    const r = await register(token, { client_name: 'Early' });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({
      error: 'access_denied',
      error_description: expect.stringContaining('turned off'),
    });
    expect((await usesOf(id)).uses).toBe(0);
    const refused = (await auditOf('client.registered')).filter((e) => e.outcome === 'failure');
    expect(refused.at(-1)).toMatchObject({
      org_id: orgA,
      actor_type: 'system',
      actor_id: 'registration',
      target_id: id,
    });
  });

  it('is advertised in the authorization server metadata', async () => {
    const meta = await api.get('/.well-known/oauth-authorization-server');
    expect(meta.body.registration_endpoint).toBe(`${server.url}/oauth/register`);
  });

  it('registers a client_secret_basic client whose credentials get a token at /oauth/token', async () => {
    const settings = await setRegistration(true);
    expect(settings).toMatchObject({ enabled: true, default_scopes: SCOPES });
    const { id, token } = await newToken();
    const r = await register(token, {
      client_name: 'Claude Desktop',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      software_id: 'claude-desktop',
      software_version: '1.2.3',
      contacts: ['ops@example.com'],
      redirect_uris: ['http://127.0.0.1/callback'],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body).toEqual({
      client_id: expect.stringMatching(/^ghc_/),
      client_secret: expect.stringMatching(/^ghcs_/),
      client_secret_expires_at: 0,
      client_id_issued_at: Math.floor(clock.now().getTime() / 1000),
      client_name: 'Claude Desktop',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      scope: 'mcp:read mcp:tools',
      software_id: 'claude-desktop',
      software_version: '1.2.3',
      contacts: ['ops@example.com'],
    });
    expect((await usesOf(id)).uses).toBe(1);

    const issued = await tokenRequest({}, { authorization: basic(r.body.client_id, r.body.client_secret) });
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    const { payload } = await jwtVerify(
      issued.body.access_token,
      createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`)),
      { issuer: server.url },
    );
    expect(payload).toMatchObject({ client_id: r.body.client_id, org_id: orgA, scope: 'mcp:read mcp:tools' });

    const agent = (await api.get(`/v1/agents/${payload.sub}`, adminA)).body;
    expect(agent).toMatchObject({
      name: 'claude-desktop',
      display_name: 'Claude Desktop',
      owner: adminAId,
      allowed_scopes: SCOPES,
      metadata: { registration: { registered_with: id, software_id: 'claude-desktop' } },
    });
    const registered = (await auditOf('client.registered')).filter((e) => e.outcome === 'success');
    expect(registered.at(-1)).toMatchObject({
      org_id: orgA,
      actor_type: 'system',
      actor_id: 'registration',
      target_id: agent.id,
      details: expect.objectContaining({ client_id: r.body.client_id, registered_with: id }),
    });
    const created = (await auditOf('agent.created')).find((e) => e.target_id === agent.id);
    expect(created).toMatchObject({ actor_type: 'system', actor_id: 'registration' });
  });

  it('registers a client_secret_post client with a narrower scope, and names a second one apart', async () => {
    const { token } = await newToken();
    const first = await register(token, {
      client_name: 'Claude Desktop',
      token_endpoint_auth_method: 'client_secret_post',
      scope: 'mcp:read',
    });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ token_endpoint_auth_method: 'client_secret_post', scope: 'mcp:read' });
    const issued = await tokenRequest({
      client_id: first.body.client_id,
      client_secret: first.body.client_secret,
    });
    expect(issued.body.scope).toBe('mcp:read');
    expect(
      (
        await tokenRequest({
          scope: 'mcp:tools',
          client_id: first.body.client_id,
          client_secret: first.body.client_secret,
        })
      ).body.error,
    ).toBe('invalid_scope');
    const agents = (await api.get('/v1/agents?name_prefix=claude-desktop', adminA)).body.items;
    expect(agents.map((a: { name: string }) => a.name).sort()).toEqual([
      'claude-desktop',
      expect.stringMatching(/^claude-desktop-[0-9a-z]{6}$/),
    ]);
  });

  it('registers a private_key_jwt client with its public keys and no secret; its assertions get tokens', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const jwk = { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kid: 'k1' };
    const { token } = await newToken();
    const r = await register(token, {
      client_name: 'keyed',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [jwk] },
      grant_types: ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange'],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).not.toHaveProperty('client_secret');
    expect(r.body).not.toHaveProperty('client_secret_expires_at');
    expect(r.body).toMatchObject({
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [jwk] },
      grant_types: ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange'],
    });
    const agent = (await api.get('/v1/agents?name_prefix=keyed', adminA)).body.items[0];
    const credentials = (await api.get(`/v1/agents/${agent.id}/credentials`, adminA)).body.items;
    expect(credentials).toEqual([
      expect.objectContaining({
        type: 'private_key_jwt',
        client_id: r.body.client_id,
        status: 'active',
        created_by: null,
      }),
    ]);
    const now = Math.floor(clock.now().getTime() / 1000);
    const assertion = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
      .setIssuer(r.body.client_id)
      .setSubject(r.body.client_id)
      .setAudience(`${server.url}/oauth/token`)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(privateKey);
    const issued = await tokenRequest({
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    expect(issued.body.scope).toBe('mcp:read mcp:tools');
  });

  it('registers with a jwks_uri', async () => {
    const { token } = await newToken();
    const r = await register(token, {
      token_endpoint_auth_method: 'private_key_jwt',
      jwks_uri: 'https://agents.example.com/jwks.json',
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ client_name: 'client', jwks_uri: 'https://agents.example.com/jwks.json' });
  });
});

describe('initial access token refusals', () => {
  it('no token, a wrong token, a malformed token: 401 invalid_token', async () => {
    expectInvalidToken(await register(undefined, { client_name: 'x' }), 'required');
    expectInvalidToken(await register(`ghiat_${'A'.repeat(43)}`, { client_name: 'x' }), 'not valid');
    expectInvalidToken(await register('not-a-token', { client_name: 'x' }), 'not valid');
    const { token } = await newToken();
    expectInvalidToken(
      await api.call('POST', '/oauth/register', { body: {}, headers: { authorization: `Basic ${token}` } }),
      'required',
    );
  });

  it('checks the token before reading the body', async () => {
    const r = await register(undefined, '{not json', { 'content-type': 'application/json' });
    expectInvalidToken(r);
  });

  it('a revoked token: 401, and revoking again changes nothing', async () => {
    const { id, token } = await newToken();
    expect((await api.del(`/v1/registration/tokens/${id}`, adminA)).status).toBe(204);
    expectInvalidToken(await register(token, { client_name: 'x' }), 'revoked');
    expect((await api.del(`/v1/registration/tokens/${id}`, adminA)).status).toBe(204);
    expect((await usesOf(id)).status).toBe('revoked');
    expect((await auditOf('registration.token_revoked')).filter((e) => e.target_id === id)).toHaveLength(1);
  });

  it('max_uses: the last use goes to one of racing requests, then 401', async () => {
    const { id, token } = await newToken({ max_uses: 2 });
    expect((await register(token, { client_name: 'first' })).status).toBe(201);
    const racing = await Promise.all([1, 2, 3].map((n) => register(token, { client_name: `racer-${n}` })));
    expect(racing.map((r) => r.status).sort()).toEqual([201, 401, 401]);
    expectInvalidToken(await register(token, { client_name: 'late' }), 'used up');
    expect(await usesOf(id)).toMatchObject({ uses: 2, status: 'used_up' });
  });

  it('a token whose issuer left the org registers nothing', async () => {
    const other = await api.addMember(adminA, 'registration-admin-2@example.com', 'admin');
    const { token } = await newToken({}, other.token);
    expect((await api.del(`/v1/users/${other.id}`, adminA)).status).toBe(204);
    expectInvalidToken(await register(token, { client_name: 'orphan' }), 'no longer a member');
  });
});

describe('organizations', () => {
  it("the token decides the org: B's token registers into B, within B's scopes", async () => {
    const { token } = await newToken({}, adminB);
    expect((await register(token, { client_name: 'b-client' })).status).toBe(403);
    await setRegistration(true, ['b:only'], adminB);
    const refused = await register(token, { client_name: 'b-client', scope: 'mcp:read' });
    expectBadMetadata(refused, 'mcp:read');
    const r = await register(token, { client_name: 'b-client' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.scope).toBe('b:only');
    const issued = await tokenRequest({}, { authorization: basic(r.body.client_id, r.body.client_secret) });
    const claims = JSON.parse(Buffer.from(issued.body.access_token.split('.')[1], 'base64url').toString());
    expect(claims.org_id).toBe(orgB);
    expect((await api.get('/v1/agents?name_prefix=b-client', adminB)).body.items).toHaveLength(1);
    expect((await api.get('/v1/agents?name_prefix=b-client', adminA)).body.items).toHaveLength(0);
  });

  it("row-level security: a tenant transaction sees only its org's settings and tokens", async () => {
    const { db } = server.runtime;
    const tokens = await db.tenant(orgB, (trx) =>
      trx.selectFrom('initial_access_tokens').select('org_id').execute(),
    );
    expect(tokens.length).toBeGreaterThan(0);
    expect(new Set(tokens.map((t) => t.org_id))).toEqual(new Set([orgB]));
    const settings = await db.tenant(orgB, (trx) =>
      trx.selectFrom('registration_settings').select('org_id').execute(),
    );
    expect(settings.map((s) => s.org_id)).toEqual([orgB]);
    await expect(
      db.tenant(orgA, (trx) =>
        trx
          .insertInto('initial_access_tokens')
          .values({
            id: 'iat_00000000000000000000000001',
            org_id: orgB,
            token_hash: 'sneaky',
            expires_at: new Date(clock.now().getTime() + 60_000),
            max_uses: null,
            created_by: null,
            created_at: clock.now(),
          })
          .execute(),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it("A's token cannot ask for B's scopes", async () => {
    const { token } = await newToken();
    expectBadMetadata(await register(token, { scope: 'b:only' }), 'b:only');
  });
});

describe('client metadata refusals (RFC 7591 §3.2.2)', () => {
  let token: string;
  let id: string;
  beforeAll(async () => {
    ({ token, id } = await newToken());
  });

  it('a scope beyond the default scopes, without spending a use', async () => {
    expectBadMetadata(await register(token, { scope: 'mcp:read admin' }), 'admin');
    expect((await usesOf(id)).uses).toBe(0);
  });

  it('an unsupported grant type', async () => {
    expectBadMetadata(await register(token, { grant_types: ['authorization_code'] }), 'grant_types');
    expectBadMetadata(await register(token, { grant_types: [] }), 'grant_types');
  });

  it('an unsupported authentication method', async () => {
    expectBadMetadata(
      await register(token, { token_endpoint_auth_method: 'none' }),
      'token_endpoint_auth_method',
    );
    expectBadMetadata(
      await register(token, { token_endpoint_auth_method: 'tls_client_auth' }),
      'must be one of',
    );
  });

  it('a jwks holding a private key', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const jwks = { keys: [privateKey.export({ format: 'jwk' })] };
    expectBadMetadata(
      await register(token, { token_endpoint_auth_method: 'private_key_jwt', jwks }),
      'private key material',
    );
  });

  it('keys missing for private_key_jwt, or given for a secret method; both jwks and jwks_uri', async () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const jwks = { keys: [publicKey.export({ format: 'jwk' })] };
    expectBadMetadata(await register(token, { token_endpoint_auth_method: 'private_key_jwt' }), 'jwks');
    expectBadMetadata(await register(token, { jwks }), 'private_key_jwt');
    expectBadMetadata(
      await register(token, {
        token_endpoint_auth_method: 'private_key_jwt',
        jwks,
        jwks_uri: 'https://agents.example.com/jwks.json',
      }),
      'jwks',
    );
    expectBadMetadata(
      await register(token, {
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: 'http://agents.example.com/k',
      }),
      'https',
    );
  });

  it('a body that is not a JSON object', async () => {
    expectBadMetadata(
      await register(token, 'client_name=x', { 'content-type': 'application/x-www-form-urlencoded' }),
      'application/json',
    );
    expectBadMetadata(await register(token, '[1]', { 'content-type': 'application/json' }), 'JSON object');
    expect((await usesOf(id)).uses).toBe(0);
  });

  it('is refused again once an admin turns registration off', async () => {
    await setRegistration(false);
    const r = await register(token, { client_name: 'late' });
    expect(r.status).toBe(403);
    expect(r.body.error).toBe('access_denied');
    await setRegistration(true);
  });

  it('an expired token: 401', async () => {
    const { token: shortLived } = await newToken({
      expires_at: new Date(clock.now().getTime() + 3600_000).toISOString(),
    });
    clock.advance(3601_000);
    expectInvalidToken(await register(shortLived, { client_name: 'x' }), 'expired');
  });
});
