import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './client.js';
import { manualClock, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let api: ReturnType<typeof client>;
let admin: string;
const clock = manualClock();

beforeAll(async () => {
  server = await startTestServer({
    clock,
    env: { GATEHOUSE_INVITATION_TTL_SECONDS: '3600', GATEHOUSE_LOGIN_MAX_FAILURES_PER_ACCOUNT: '5' },
  });
  api = client(server);
  admin = await api.login(server.admin.email, server.admin.password);
});
afterAll(() => server.close());

const invite = async (email: string, role = 'member') => {
  const r = await api.post('/v1/invitations', { email, role }, admin);
  expect(r.status).toBe(201);
  return r.body;
};

describe('invitations', () => {
  it('gives a one-time link whose token is in the fragment, and lists it as pending', async () => {
    const inv = await invite('Alice@Example.com');
    expect(inv.email).toBe('alice@example.com');
    expect(inv.invite_url).toBe(`${server.runtime.config.issuer}/console/accept-invite#token=${inv.token}`);
    const list = await api.get('/v1/invitations', admin);
    expect(list.body.items).toEqual([expect.objectContaining({ id: inv.id, email: 'alice@example.com' })]);
    expect(JSON.stringify(list.body)).not.toContain(inv.token);
    const stored = await server.runtime.db.system.selectFrom('invitations').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(inv.token);
  });

  it('inspect tells the accept page what the link is for', async () => {
    const inv = await invite('bob@example.com', 'viewer');
    const r = await api.post('/v1/invitations/inspect', { token: inv.token });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      email: 'bob@example.com',
      role: 'viewer',
      org: { slug: 'default' },
      existing_user: false,
    });
  });

  it('accepting creates the account, signs in, and works exactly once', async () => {
    const inv = await invite('carol@example.com', 'manager');
    const weak = await api.post('/v1/invitations/accept', { token: inv.token, password: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.body.errors[0].field).toBe('body.password');
    const r = await api.post('/v1/invitations/accept', {
      token: inv.token,
      password: 'carol password 1',
      name: 'Carol',
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ user: { email: 'carol@example.com', name: 'Carol' }, role: 'manager' });
    expect((await api.get('/v1/auth/session', r.body.token)).status).toBe(200);
    expect(await api.login('carol@example.com', 'carol password 1')).toMatch(/^ghs_/);
    const replay = await api.post('/v1/invitations/accept', {
      token: inv.token,
      password: 'carol password 2',
    });
    expect(replay.status).toBe(400);
    expect(replay.body.code).toBe('invitation_invalid');
    expect((await api.get('/v1/invitations', admin)).body.items.map((i: any) => i.email)).not.toContain(
      'carol@example.com',
    );
  });

  it('refuses tampered, revoked, replaced and expired links', async () => {
    const tampered = await invite('dave@example.com');
    const flipped = tampered.token.slice(0, -1) + (tampered.token.endsWith('A') ? 'B' : 'A');
    expect((await api.post('/v1/invitations/inspect', { token: flipped })).body.code).toBe(
      'invitation_invalid',
    );

    expect((await api.del(`/v1/invitations/${tampered.id}`, admin)).status).toBe(204);
    expect((await api.post('/v1/invitations/inspect', { token: tampered.token })).body.code).toBe(
      'invitation_invalid',
    );
    expect((await api.del(`/v1/invitations/${tampered.id}`, admin)).status).toBe(404);

    const old = await invite('erin@example.com');
    const fresh = await invite('erin@example.com');
    expect((await api.post('/v1/invitations/inspect', { token: old.token })).status).toBe(400);
    expect((await api.post('/v1/invitations/inspect', { token: fresh.token })).status).toBe(200);

    clock.advance(3601 * 1000);
    const expired = await api.post('/v1/invitations/accept', {
      token: fresh.token,
      password: 'erin password 12',
    });
    expect(expired.status).toBe(400);
    expect(expired.body.code).toBe('invitation_invalid');
    expect(
      (await api.post('/v1/auth/login', { email: 'erin@example.com', password: 'erin password 12' })).status,
    ).toBe(401);
  });

  it('an existing account joins with its own password, not a new one', async () => {
    admin = await api.login(server.admin.email, server.admin.password);
    const org2 = await api.post('/v1/orgs', { name: 'Org Two' }, admin);
    await api.call('PUT', '/v1/auth/session/org', { token: admin, body: { org_id: org2.body.id } });
    const inv = await invite('carol@example.com', 'viewer');
    expect((await api.post('/v1/invitations/inspect', { token: inv.token })).body.existing_user).toBe(true);
    const wrong = await api.post('/v1/invitations/accept', {
      token: inv.token,
      password: 'not carols password',
    });
    expect(wrong.status).toBe(401);
    const ok = await api.post('/v1/invitations/accept', { token: inv.token, password: 'carol password 1' });
    expect(ok.status).toBe(200);
    expect(ok.body.orgs.map((o: any) => o.slug).sort()).toEqual(['default', 'org-two']);
    expect(ok.body).toMatchObject({ org: { id: org2.body.id }, role: 'viewer' });
  });

  it('refuses to invite a current member, and only admins invite', async () => {
    const dup = await api.post('/v1/invitations', { email: server.admin.email, role: 'member' }, admin);
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('already_member');
    const manager = await api.login('carol@example.com', 'carol password 1');
    const r = await api.post('/v1/invitations', { email: 'x@example.com', role: 'admin' }, manager);
    expect(r.status).toBe(403);
  });
});

describe('invitation races', () => {
  it('accepts a link once when two requests race with it', async () => {
    const inv = await invite(`race-${Date.now()}@example.com`);
    const body = { token: inv.token, password: 'racing password 1' };
    const results = await Promise.all([
      api.post('/v1/invitations/accept', body),
      api.post('/v1/invitations/accept', body),
      api.post('/v1/invitations/accept', body),
    ]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 400, 400]);
    for (const r of results.filter((r) => r.status === 400)) expect(r.body.code).toBe('invitation_invalid');
  });
});

describe('password guessing through an invitation', () => {
  it('is throttled like a login and audited', async () => {
    const email = `victim-${Date.now()}@example.com`;
    await api.addMember(admin, email, 'member', 'victim password 1');
    const org3 = await api.post('/v1/orgs', { name: 'Org Three' }, admin);
    await api.call('PUT', '/v1/auth/session/org', { token: admin, body: { org_id: org3.body.id } });
    const inv = await invite(email);
    for (let i = 0; i < 5; i++) {
      const r = await api.post('/v1/invitations/accept', { token: inv.token, password: `guess number ${i}` });
      expect(r.status).toBe(401);
    }
    const right = await api.post('/v1/invitations/accept', {
      token: inv.token,
      password: 'victim password 1',
    });
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    const failures = await server.runtime.db.system
      .selectFrom('audit_events')
      .select('details')
      .where('action', '=', 'user.login_failed')
      .execute();
    expect(failures.filter((f) => f.details.email === email)).toHaveLength(5);
  });
});
