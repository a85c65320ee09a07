import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './client.js';
import { startTestServer, type TestServer } from './harness.js';

/**
 * Org isolation: an admin of org A reaches nothing of org B by any route, by guessing ids or
 * by switching org. Org B is created by a different person, so A's admin is not a member.
 */
let server: TestServer;
let api: ReturnType<typeof client>;
let adminA: string;
let adminB: string;
let memberB: { id: string; token: string };
let invitationB: string;
let orgB: string;

beforeAll(async () => {
  server = await startTestServer();
  api = client(server);
  adminA = await api.login(server.admin.email, server.admin.password);
  const founder = await api.addMember(adminA, 'founder-b@example.com', 'viewer');
  const created = await api.post('/v1/orgs', { name: 'Org B' }, founder.token);
  orgB = created.body.id;
  adminB = founder.token;
  await api.call('PUT', '/v1/auth/session/org', { token: adminB, body: { org_id: orgB } });
  memberB = await api.addMember(adminB, 'only-in-b@example.com', 'member');
  invitationB = (
    await api.post('/v1/invitations', { email: 'pending-b@example.com', role: 'member' }, adminB)
  ).body.id;
});
afterAll(() => server.close());

describe('org isolation', () => {
  it("gives 404 for org B's users on every route", async () => {
    expect((await api.get(`/v1/users/${memberB.id}`, adminA)).status).toBe(404);
    expect((await api.patch(`/v1/users/${memberB.id}`, { role: 'admin' }, adminA)).status).toBe(404);
    expect((await api.del(`/v1/users/${memberB.id}`, adminA)).status).toBe(404);
    expect((await api.get(`/v1/users/${memberB.id}`, memberB.token)).status).toBe(200);
    expect((await api.get(`/v1/users/${memberB.id}`, memberB.token)).body.role).toBe('member');
  });

  it("never lists org B's members or invitations in org A", async () => {
    const users = await api.get('/v1/users?limit=200', adminA);
    expect(users.body.items.map((u: any) => u.email)).not.toContain('only-in-b@example.com');
    const invitations = await api.get('/v1/invitations?limit=200', adminA);
    expect(invitations.body.items.map((i: any) => i.id)).not.toContain(invitationB);
  });

  it("cannot revoke org B's invitation", async () => {
    expect((await api.del(`/v1/invitations/${invitationB}`, adminA)).status).toBe(404);
    const stillThere = await api.get('/v1/invitations', adminB);
    expect(stillThere.body.items.map((i: any) => i.id)).toContain(invitationB);
  });

  it('cannot switch into org B, nor see or rename it', async () => {
    const r = await api.call('PUT', '/v1/auth/session/org', { token: adminA, body: { org_id: orgB } });
    expect(r.status).toBe(404);
    expect((await api.get('/v1/orgs/current', adminA)).body.id).not.toBe(orgB);
    await api.patch('/v1/orgs/current', { name: 'Renamed by A' }, adminA);
    expect((await api.get('/v1/orgs/current', adminB)).body.name).toBe('Org B');
  });

  it("a login naming org B's id lands in the user's own org", async () => {
    const r = await api.post('/v1/auth/login', {
      email: server.admin.email,
      password: server.admin.password,
      org_id: orgB,
    });
    expect(r.status).toBe(200);
    expect(r.body.org.id).not.toBe(orgB);
  });
});
