import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './client.js';
import { startTestServer, type TestServer } from './harness.js';
import { clientBuilder, otherOrgAdmin } from './oauth-fixture.js';

/** The management-client pattern: an agent's access token calls the management API within its scopes. */
let server: TestServer;
let api: ReturnType<typeof client>;
let admin: string;
let adminId: string;
let newClient: ReturnType<typeof clientBuilder>;

beforeAll(async () => {
  server = await startTestServer();
  api = client(server);
  admin = await api.login(server.admin.email, server.admin.password);
  adminId = (await api.get('/v1/auth/session', admin)).body.user.id;
  newClient = clientBuilder(api, admin, 'mgmt');
});
afterAll(() => server.close());

describe('agent tokens on the management API', () => {
  it('reads with gatehouse:agents.read and is refused writes with an insufficient_scope challenge', async () => {
    const reader = await newClient({ allowed_scopes: ['gatehouse:agents.read'] });
    const token = await reader.token();
    const list = await api.get('/v1/agents', token);
    expect(list.status).toBe(200);
    expect(list.body.items.map((a: { id: string }) => a.id)).toContain(reader.agentId);
    expect((await api.get(`/v1/agents/${reader.agentId}/credentials`, token)).status).toBe(200);
    const write = await api.post('/v1/agents', { name: 'not-allowed' }, token);
    expect(write.status).toBe(403);
    expect(write.body.code).toBe('insufficient_scope');
    expect(write.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", scope="gatehouse:agents.write"',
    );
  });

  it('creates agents and credentials with write scopes, audited as the agent, owned by its owner', async () => {
    const manager = await newClient({
      allowed_scopes: ['gatehouse:agents.write', 'gatehouse:credentials.write', 'files:read'],
    });
    const token = await manager.token();
    const created = await api.post(
      '/v1/agents',
      { name: 'made-by-agent', allowed_scopes: ['files:read'] },
      token,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.owner).toBe(adminId);
    const cred = await api.post(
      `/v1/agents/${created.body.id}/credentials`,
      { type: 'client_secret' },
      token,
    );
    expect(cred.status).toBe(201);
    expect(cred.body.client_secret).toBeTruthy();
    const events = await server.runtime.db.system
      .selectFrom('audit_events')
      .select(['action', 'actor_type', 'actor_id'])
      .where('target_id', 'in', [created.body.id, cred.body.id])
      .execute();
    expect(events).toEqual(
      expect.arrayContaining([
        { action: 'agent.created', actor_type: 'agent', actor_id: manager.agentId },
        { action: 'credential.created', actor_type: 'agent', actor_id: manager.agentId },
      ]),
    );
  });

  it('cannot grant scopes it does not hold, unless it holds gatehouse:admin', async () => {
    const narrow = await newClient({ allowed_scopes: ['gatehouse:agents.write'] });
    const token = await narrow.token();
    const escalate = await api.post(
      '/v1/agents',
      { name: 'escalated', allowed_scopes: ['gatehouse:admin'] },
      token,
    );
    expect(escalate.status).toBe(403);
    expect(escalate.body.code).toBe('scope_escalation');
    const patch = await api.patch(
      `/v1/agents/${narrow.agentId}`,
      { allowed_scopes: ['gatehouse:admin'] },
      token,
    );
    expect(patch.status).toBe(403);
    const root = await newClient({ allowed_scopes: ['gatehouse:admin'] });
    const ok = await api.post(
      '/v1/agents',
      { name: 'admin-made', allowed_scopes: ['x:y'] },
      await root.token(),
    );
    expect(ok.status).toBe(201);
  });

  it('answers 401 with a Bearer invalid_token challenge for a tampered, unsigned or suspended token', async () => {
    const c = await newClient({ allowed_scopes: ['gatehouse:agents.read'] });
    const token = await c.token();
    const [h, p, s] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, scope: 'gatehouse:admin' })).toString('base64url')}.${s}`;
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${p}.`;
    for (const bad of [forged, none]) {
      const r = await api.get('/v1/agents', bad);
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('invalid_token');
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    }
    await api.patch(`/v1/agents/${c.agentId}`, { status: 'suspended' }, admin);
    const suspended = await api.get('/v1/agents', token);
    expect(suspended.status).toBe(401);
    expect(suspended.headers.get('www-authenticate')).toContain('suspended');
  });

  it("sees nothing of another org: org A's token on org B's agent is 404", async () => {
    const b = await otherOrgAdmin(api, admin, 'mgmt');
    const theirs = await api.post('/v1/agents', { name: 'b-agent' }, b.token);
    const mine = await newClient({ allowed_scopes: ['gatehouse:admin'] });
    const token = await mine.token();
    expect((await api.get(`/v1/agents/${theirs.body.id}`, token)).status).toBe(404);
    expect((await api.patch(`/v1/agents/${theirs.body.id}`, { status: 'suspended' }, token)).status).toBe(
      404,
    );
    expect((await api.get(`/v1/agents/${theirs.body.id}/credentials`, token)).status).toBe(404);
  });

  it('is refused on human-only routes', async () => {
    const root = await newClient({ allowed_scopes: ['gatehouse:admin'] });
    const token = await root.token();
    expect((await api.get('/v1/auth/session', token)).status).toBe(401);
    expect((await api.get('/v1/admin/keys', token)).status).toBe(401);
  });
});
