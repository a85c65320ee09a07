import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './client.js';
import { manualClock, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let api: ReturnType<typeof client>;
const clock = manualClock();

beforeAll(async () => {
  server = await startTestServer({
    clock,
    env: {
      GATEHOUSE_LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
      GATEHOUSE_LOGIN_MAX_FAILURES_PER_IP: '20',
      GATEHOUSE_LOGIN_WINDOW_SECONDS: '60',
      GATEHOUSE_SESSION_TTL_SECONDS: '3600',
      // The IP throttle test poses as another client through X-Forwarded-For. With Redis the
      // windows run on real time, so 127.0.0.1's failures across this file stay under 20.
      GATEHOUSE_TRUST_PROXY: 'true',
    },
  });
  api = client(server);
});
afterAll(() => server.close());

describe('login', () => {
  it('returns a session token, the user, the org and role, and an HttpOnly SameSite cookie', async () => {
    const r = await api.post('/v1/auth/login', {
      email: 'ADMIN@example.com',
      password: server.admin.password,
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      user: { email: server.admin.email },
      org: { slug: 'default' },
      role: 'admin',
      orgs: [{ slug: 'default', role: 'admin' }],
    });
    expect(r.body.token).toMatch(/^ghs_[A-Za-z0-9_-]{43}$/);
    expect(r.body.user).not.toHaveProperty('password_hash');
    const cookie = r.headers.get('set-cookie') ?? '';
    expect(cookie).toContain(`gh_session=${r.body.token}`);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
  });

  it('the cookie alone authenticates the console', async () => {
    const r = await api.post('/v1/auth/login', {
      email: server.admin.email,
      password: server.admin.password,
    });
    const me = await api.call('GET', '/v1/auth/session', {
      headers: { cookie: `gh_session=${r.body.token}` },
    });
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe(server.admin.email);
  });

  it('refuses a wrong password and an unknown email alike', async () => {
    const wrong = await api.post('/v1/auth/login', {
      email: 'nobody@example.com',
      password: 'whatever 1234',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('invalid_credentials');
    const unknown = await api.post('/v1/auth/login', {
      email: 'ghost@example.com',
      password: 'whatever 1234',
    });
    expect(unknown.body).toMatchObject({
      status: 401,
      code: 'invalid_credentials',
      detail: wrong.body.detail,
    });
  });

  it('throttles failed logins per account with Retry-After, even for the right password', async () => {
    const { id } = await api.addMember(
      await api.login(server.admin.email, server.admin.password),
      'throttled@example.com',
      'member',
      'the right password',
    );
    expect(id).toMatch(/^usr_/);
    for (let i = 0; i < 3; i++) {
      expect(
        (await api.post('/v1/auth/login', { email: 'throttled@example.com', password: `bad ${i}` })).status,
      ).toBe(401);
    }
    const blocked = await api.post('/v1/auth/login', {
      email: 'throttled@example.com',
      password: 'the right password',
    });
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe('rate_limited');
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('throttles failed logins per client IP across accounts', async () => {
    let last = 0;
    const asSprayer = (i: number) =>
      api.call('POST', '/v1/auth/login', {
        body: { email: `spray${i}@example.com`, password: 'password 1234' },
        headers: { 'x-forwarded-for': '203.0.113.9' },
      });
    for (let i = 0; i < 22; i++) last = (await asSprayer(i)).status;
    expect(last).toBe(429);
    // Other clients are unaffected.
    expect((await api.post('/v1/auth/login', { email: 'spray0@example.com', password: 'x' })).status).toBe(
      401,
    );
  });
});

describe('sessions', () => {
  it('logout ends the session at once', async () => {
    const token = await loginAdminAfterWindow();
    expect((await api.post('/v1/auth/logout', undefined, token)).status).toBe(204);
    expect((await api.get('/v1/auth/session', token)).status).toBe(401);
  });

  it('a user sees and revokes their own sessions, not others', async () => {
    const a = await loginAdminAfterWindow();
    const b = await api.post('/v1/auth/login', {
      email: server.admin.email,
      password: server.admin.password,
    });
    const list = await api.get('/v1/auth/sessions', a);
    expect(list.status).toBe(200);
    expect(list.body.items.filter((s: any) => s.current)).toHaveLength(1);
    expect(list.body.items.map((s: any) => s.id)).toContain(b.body.session.id);
    expect(JSON.stringify(list.body)).not.toMatch(/ghs_|token/);
    expect((await api.del(`/v1/auth/sessions/${b.body.session.id}`, a)).status).toBe(204);
    expect((await api.get('/v1/auth/session', b.body.token)).status).toBe(401);
    expect((await api.get('/v1/auth/session', a)).status).toBe(200);

    const member = await api.addMember(a, `sessions-${Date.now()}@example.com`, 'member');
    const theirs = await api.get('/v1/auth/sessions', member.token);
    const r = await api.del(`/v1/auth/sessions/${theirs.body.items[0].id}`, a);
    expect(r.status).toBe(404);
    expect((await api.get('/v1/auth/session', member.token)).status).toBe(200);
  });

  it('expires sessions after their lifetime', async () => {
    const token = await loginAdminAfterWindow();
    clock.advance(3601 * 1000);
    const r = await api.get('/v1/auth/session', token);
    expect(r.status).toBe(401);
  });

  it('switches org only to orgs the user belongs to', async () => {
    const token = await loginAdminAfterWindow();
    const created = await api.post('/v1/orgs', { name: 'Second Org' }, token);
    expect(created.status).toBe(201);
    expect(created.body.slug).toBe('second-org');
    const switched = await api.call('PUT', '/v1/auth/session/org', {
      token,
      body: { org_id: created.body.id },
    });
    expect(switched.status).toBe(200);
    expect(switched.body).toMatchObject({ org: { id: created.body.id }, role: 'admin' });
    expect(switched.body.orgs).toHaveLength(2);
    expect((await api.get('/v1/orgs/current', token)).body.id).toBe(created.body.id);

    const member = await api.addMember(token, `switch-${Date.now()}@example.com`, 'viewer');
    const refused = await api.call('PUT', '/v1/auth/session/org', {
      token: member.token,
      body: {
        org_id: (await api.get('/v1/auth/session', token)).body.orgs.find((o: any) => o.slug === 'default')
          .id,
      },
    });
    expect(refused.status).toBe(404);
  });
});

/** Moves past the throttling window left by earlier tests, then signs the admin in. */
async function loginAdminAfterWindow() {
  clock.advance(61 * 1000);
  return api.login(server.admin.email, server.admin.password);
}

describe('password change', () => {
  it('needs the current password, keeps this session and ends the others', async () => {
    const admin = await loginAdminAfterWindow();
    const user = await api.addMember(
      admin,
      `changer-${Date.now()}@example.com`,
      'member',
      'first password 123',
    );
    const email = (await api.get('/v1/auth/session', user.token)).body.user.email;
    const other = await api.login(email, 'first password 123');

    const wrong = await api.post(
      '/v1/auth/password',
      { current_password: 'nope', new_password: 'second password 123' },
      user.token,
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('invalid_credentials');
    const weak = await api.post(
      '/v1/auth/password',
      { current_password: 'first password 123', new_password: 'short' },
      user.token,
    );
    expect(weak.status).toBe(400);
    expect(weak.body.errors[0].field).toBe('body.new_password');

    const ok = await api.post(
      '/v1/auth/password',
      { current_password: 'first password 123', new_password: 'second password 123' },
      user.token,
    );
    expect(ok.status).toBe(204);
    expect((await api.get('/v1/auth/session', user.token)).status).toBe(200);
    expect((await api.get('/v1/auth/session', other)).status).toBe(401);
    expect((await api.post('/v1/auth/login', { email, password: 'first password 123' })).status).toBe(401);
    expect(await api.login(email, 'second password 123')).toMatch(/^ghs_/);
  });
});
