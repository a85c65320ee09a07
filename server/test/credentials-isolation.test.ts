import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './client.js';
import { startTestServer, type TestServer } from './harness.js';

/**
 * Roles and org isolation for credentials: org B is founded by someone who is not a member of
 * org A, so A's admin has no way into B but guessing ids.
 */
let server: TestServer;
let api: ReturnType<typeof client>;
let adminA: string;
let adminB: string;
let orgA: string;
let orgB: string;
let agentA: string;
let agentB: string;
let credA: any;
let credB: any;

const issue = async (
  agentId: string,
  token: string,
  body: Record<string, unknown> = { type: 'client_secret' },
) => {
  const r = await api.post(`/v1/agents/${agentId}/credentials`, body, token);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
};

beforeAll(async () => {
  server = await startTestServer();
  api = client(server);
  adminA = await api.login(server.admin.email, server.admin.password);
  orgA = (await api.get('/v1/orgs/current', adminA)).body.id;
  const founder = await api.addMember(adminA, 'credentials-founder-b@example.com', 'viewer');
  orgB = (await api.post('/v1/orgs', { name: 'Credentials B' }, founder.token)).body.id;
  await api.call('PUT', '/v1/auth/session/org', { token: founder.token, body: { org_id: orgB } });
  adminB = founder.token;
  agentA = (await api.post('/v1/agents', { name: 'holder' }, adminA)).body.id;
  agentB = (await api.post('/v1/agents', { name: 'holder' }, adminB)).body.id;
  credA = await issue(agentA, adminA);
  credB = await issue(agentB, adminB);
});
afterAll(() => server.close());

describe('roles', () => {
  it('viewers and members may list; managers and admins issue, rotate and revoke', async () => {
    const viewer = await api.addMember(adminA, 'crd-viewer@example.com', 'viewer');
    const member = await api.addMember(adminA, 'crd-member@example.com', 'member');
    const manager = await api.addMember(adminA, 'crd-manager@example.com', 'manager');
    const base = `/v1/agents/${agentA}/credentials`;
    for (const token of [viewer.token, member.token]) {
      expect((await api.get(base, token)).status).toBe(200);
      for (const r of [
        await api.post(base, { type: 'api_key' }, token),
        await api.post(`${base}/${credA.id}/rotate`, { grace_seconds: 0 }, token),
        await api.del(`${base}/${credA.id}`, token),
      ]) {
        expect(r.status).toBe(403);
        expect(r.body.code).toBe('insufficient_role');
      }
    }
    expect((await api.get(base)).status).toBe(401);
    const c = await issue(agentA, manager.token, { type: 'api_key' });
    expect((await api.post(`${base}/${c.id}/rotate`, { grace_seconds: 0 }, manager.token)).status).toBe(200);
    expect((await api.del(`${base}/${c.id}`, manager.token)).status).toBe(204);
    const audit = await server.runtime.db.system
      .selectFrom('audit_events')
      .select(['action', 'actor_id', 'org_id'])
      .where('target_id', '=', c.id)
      .orderBy('id')
      .execute();
    expect(audit).toEqual(
      ['credential.created', 'credential.rotated', 'credential.revoked'].map((action) => ({
        action,
        actor_id: manager.id,
        org_id: orgA,
      })),
    );
  });
});

describe('org isolation', () => {
  it("gives 404 for org B's agent and credential on every route", async () => {
    const underB = `/v1/agents/${agentB}/credentials`;
    // Org B's credential addressed under org A's own agent, too.
    const mixed = `/v1/agents/${agentA}/credentials/${credB.id}`;
    for (const r of [
      await api.post(underB, { type: 'client_secret' }, adminA),
      await api.get(underB, adminA),
      await api.post(`${underB}/${credB.id}/rotate`, { grace_seconds: 0 }, adminA),
      await api.del(`${underB}/${credB.id}`, adminA),
      await api.post(`${mixed}/rotate`, { grace_seconds: 0 }, adminA),
      await api.del(mixed, adminA),
    ]) {
      expect(r.status).toBe(404);
      expect(r.body.code).toBe('not_found');
    }
    // B's credential is untouched and still authenticates.
    const listed = (await api.get(underB, adminB)).body.items;
    expect(listed).toEqual([expect.objectContaining({ id: credB.id, status: 'active' })]);
    const { credentials } = server.runtime.services;
    expect(await credentials.authenticateSecret(credB.client_id, credB.client_secret)).toMatchObject({
      orgId: orgB,
      agentId: agentB,
    });
  });

  it('a credential of another agent of the same org is not found under this agent', async () => {
    const other = (await api.post('/v1/agents', { name: 'other-holder' }, adminA)).body.id;
    const r = await api.del(`/v1/agents/${other}/credentials/${credA.id}`, adminA);
    expect(r.status).toBe(404);
  });

  it("never lists org B's credentials, even from a cursor at one of them", async () => {
    const cursorAtB = Buffer.from(credB.id).toString('base64url');
    const r = await api.get(`/v1/agents/${agentA}/credentials?cursor=${cursorAtB}`, adminA);
    expect(r.status).toBe(200);
    expect(r.body.items.map((c: any) => c.id)).not.toContain(credB.id);
    expect(await server.runtime.services.credentials.isLive(orgA, credB.id)).toBe(false);
    expect(await server.runtime.services.credentials.isLive(orgB, credB.id)).toBe(true);
  });

  it("row-level security hides org B's credentials from org A's transactions", async () => {
    const seen = await server.runtime.db.tenant(orgA, (trx) =>
      trx.selectFrom('credentials').select(['id', 'org_id']).execute(),
    );
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((c) => c.org_id === orgA)).toBe(true);
  });
});

describe('listing', () => {
  it('pages through an agent’s credentials once, in creation order', async () => {
    const agent = (await api.post('/v1/agents', { name: 'many-keys' }, adminA)).body.id;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await issue(agent, adminA, { type: 'api_key' })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: any = await api.get(
        `/v1/agents/${agent}/credentials?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        adminA,
      );
      expect(r.status).toBe(200);
      seen.push(...r.body.items.map((c: any) => c.id));
      cursor = r.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(ids);
  });

  it('documents its routes in OpenAPI', async () => {
    const paths = Object.keys((await api.get('/openapi.json')).body.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/v1/agents/{id}/credentials',
        '/v1/agents/{id}/credentials/{cid}/rotate',
        '/v1/agents/{id}/credentials/{cid}',
      ]),
    );
  });
});
