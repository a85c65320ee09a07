import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './client.js';
import { manualClock, startTestServer, type TestServer } from './harness.js';
import { clientBuilder, formPost, otherOrgAdmin, type TestClient } from './oauth-fixture.js';

const clock = manualClock();
let server: TestServer;
let api: ReturnType<typeof client>;
let admin: string;
let newClient: ReturnType<typeof clientBuilder>;
/** A resource server's client, allowed to introspect. */
let rs: TestClient;

beforeAll(async () => {
  server = await startTestServer({ clock });
  api = client(server);
  admin = await api.login(server.admin.email, server.admin.password);
  newClient = clientBuilder(api, admin, 'lifecycle');
  rs = await newClient({ allowed_scopes: ['gatehouse:introspect'] });
});
afterAll(() => server.close());

const introspect = (token: string, by: TestClient = rs) =>
  formPost(api, '/oauth/introspect', { token }, by.auth);
const revoke = (token: string, by: TestClient) => formPost(api, '/oauth/revoke', { token }, by.auth);

/** A token with one character of its payload changed: same header and signature. */
function tampered(token: string) {
  const [h, p, s] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  claims.scope = 'gatehouse:admin';
  return `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
}

function unsigned(token: string) {
  const [, p] = token.split('.') as [string, string];
  const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url');
  return `${header}.${p}.`;
}

describe('introspection (RFC 7662)', () => {
  it('describes a live token to a client holding gatehouse:introspect', async () => {
    const c = await newClient({ allowed_scopes: ['files:read'] });
    const token = await c.token();
    const r = await introspect(token);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body).toMatchObject({
      active: true,
      sub: c.agentId,
      client_id: c.clientId,
      scope: 'files:read',
      iss: server.url,
      token_type: 'Bearer',
    });
    expect(r.body.exp).toBeGreaterThan(r.body.iat);
  });

  it('refuses a client without the introspect scope, and an unauthenticated caller', async () => {
    const c = await newClient();
    const token = await c.token();
    const r = await introspect(token, c);
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('unauthorized_client');
    const anon = await formPost(api, '/oauth/introspect', { token });
    expect(anon.status).toBe(401);
    expect(anon.body.error).toBe('invalid_client');
    const missing = await formPost(api, '/oauth/introspect', {}, rs.auth);
    expect(missing.body.error).toBe('invalid_request');
  });

  it('says inactive for a tampered, an unsigned, a garbage and an expired token', async () => {
    const c = await newClient({ token_ttl_seconds: 60 });
    const token = await c.token();
    for (const bad of [tampered(token), unsigned(token), 'not-a-token', `${token}x`]) {
      expect((await introspect(bad)).body).toEqual({ active: false });
    }
    expect((await introspect(token)).body.active).toBe(true);
    clock.advance(61_000 + 30_000);
    expect((await introspect(token)).body).toEqual({ active: false });
  });

  it('says inactive once the agent is suspended or archived, or the credential revoked', async () => {
    const suspended = await newClient();
    const t1 = await suspended.token();
    await api.patch(`/v1/agents/${suspended.agentId}`, { status: 'suspended' }, admin);
    expect((await introspect(t1)).body).toEqual({ active: false });

    const archived = await newClient();
    const t2 = await archived.token();
    expect((await api.del(`/v1/agents/${archived.agentId}`, admin)).status).toBe(204);
    expect((await introspect(t2)).body).toEqual({ active: false });

    const revoked = await newClient();
    const t3 = await revoked.token();
    await api.del(`/v1/agents/${revoked.agentId}/credentials/${revoked.credentialId}`, admin);
    expect((await introspect(t3)).body).toEqual({ active: false });
  });

  it("never describes another organization's token", async () => {
    const other = clientBuilder(api, (await otherOrgAdmin(api, admin, 'lifecycle')).token, 'other');
    const theirs = await (await other()).token();
    expect((await introspect(theirs)).body).toEqual({ active: false });
  });
});

describe('revocation (RFC 7009)', () => {
  it('revokes a token durably: introspection, protected routes and every later check refuse it', async () => {
    const c = await newClient({ allowed_scopes: ['gatehouse:agents.read'] });
    const token = await c.token();
    expect((await api.get('/v1/agents', token)).status).toBe(200);
    const r = await revoke(token, c);
    expect(r.status).toBe(200);
    expect((await introspect(token)).body).toEqual({ active: false });
    const denied = await api.get('/v1/agents', token);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    // Idempotent, and other tokens of the same client live on.
    expect((await revoke(token, c)).status).toBe(200);
    expect((await introspect(await c.token())).body.active).toBe(true);
    const audit = await server.runtime.db.system
      .selectFrom('audit_events')
      .select(['action', 'actor_id'])
      .where('action', '=', 'token.revoked')
      .execute();
    expect(audit).toContainEqual({ action: 'token.revoked', actor_id: c.agentId });
  });

  it("refuses to revoke another client's token and answers success for an invalid one", async () => {
    const a = await newClient();
    const b = await newClient();
    const token = await a.token();
    const r = await revoke(token, b);
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('unauthorized_client');
    expect((await introspect(token)).body.active).toBe(true);
    expect((await revoke('garbage', b)).status).toBe(200);
    expect((await revoke(tampered(token), b)).status).toBe(200);
  });
});

describe('a revoked token stays revoked', () => {
  it('after a server restart', async () => {
    const c = await newClient({ allowed_scopes: ['gatehouse:agents.read'] });
    const token = await c.token();
    expect((await revoke(token, c)).status).toBe(200);
    await server.restart();
    // The new process's caches are empty; on the embedded default so is its memory store.
    expect((await introspect(token)).body).toEqual({ active: false });
    expect((await api.get('/v1/agents', token)).status).toBe(401);
    expect((await introspect(await c.token())).body.active).toBe(true);
  });

  it.runIf(process.env.REDIS_URL)('after the Redis cache is flushed', async () => {
    const c = await newClient({ allowed_scopes: ['gatehouse:agents.read'] });
    const token = await c.token();
    expect((await revoke(token, c)).status).toBe(200);
    const { Redis } = await import('ioredis');
    const redis = new Redis(process.env.REDIS_URL as string);
    const prefix = server.runtime.config.redis?.prefix as string;
    // Only this server's key space: other test files share the Redis.
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    await redis.del(...keys);
    await redis.quit();
    expect((await api.get('/v1/agents', token)).status).toBe(401);
    expect((await introspect(token)).body).toEqual({ active: false });
  });
});

describe('refusals are audited', () => {
  it('records token.refused in the org once the client is known, and outside any org before', async () => {
    const c = await newClient({ allowed_scopes: ['files:read'] });
    const refused = await formPost(
      api,
      '/oauth/token',
      { grant_type: 'client_credentials', scope: 'files:write' },
      c.auth,
    );
    expect(refused.body.error).toBe('invalid_scope');
    const wrong = await formPost(api, '/oauth/token', {
      grant_type: 'client_credentials',
      client_id: c.clientId,
      client_secret: 'wrong',
    });
    expect(wrong.status).toBe(401);
    const rows = await server.runtime.db.system
      .selectFrom('audit_events')
      .select(['org_id', 'actor_type', 'outcome', 'details'])
      .where('action', '=', 'token.refused')
      .execute();
    const mine = rows.filter((r) => (r.details as { client_id?: string }).client_id === c.clientId);
    expect(mine).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          actor_type: 'agent',
          outcome: 'failure',
          details: expect.objectContaining({ error: 'invalid_scope' }),
        }),
        expect.objectContaining({
          org_id: null,
          actor_type: 'anonymous',
          details: expect.objectContaining({ error: 'invalid_client' }),
        }),
      ]),
    );
    // The secret that was tried is never recorded.
    expect(JSON.stringify(mine)).not.toContain('wrong');
  });
});
