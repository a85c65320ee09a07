import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './client.js';
import { startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let api: ReturnType<typeof client>;
let admin: string;

beforeAll(async () => {
  server = await startTestServer();
  api = client(server);
  admin = await api.login(server.admin.email, server.admin.password);
});
afterAll(() => server.close());

describe('members and roles', () => {
  it('lists members with cursor pagination and a role filter', async () => {
    for (const n of [1, 2, 3])
      await api.addMember(admin, `page${n}@example.com`, n === 3 ? 'viewer' : 'member');
    const first = await api.get('/v1/users?limit=2', admin);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await api.get(`/v1/users?limit=2&cursor=${first.body.next_cursor}`, admin);
    expect(second.body.items).toHaveLength(2);
    expect(second.body.next_cursor).toBeNull();
    const emails = [...first.body.items, ...second.body.items].map((m: any) => m.email);
    expect(new Set(emails).size).toBe(4);
    const viewers = await api.get('/v1/users?role=viewer', admin);
    expect(viewers.body.items.map((m: any) => m.email)).toEqual(['page3@example.com']);
    expect(first.body.items[0]).not.toHaveProperty('password_hash');
  });

  it('rejects a forged cursor', async () => {
    const r = await api.get('/v1/users?cursor=bm90LWEta2V5', admin);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('invalid_cursor');
  });

  it('lets an admin change a role, and refuses members, managers and viewers', async () => {
    const target = await api.addMember(admin, 'promote@example.com', 'member');
    const manager = await api.addMember(admin, 'manager@example.com', 'manager');
    const viewer = await api.addMember(admin, 'viewer@example.com', 'viewer');
    for (const token of [target.token, manager.token, viewer.token]) {
      const r = await api.patch(`/v1/users/${target.id}`, { role: 'admin' }, token);
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('insufficient_role');
    }
    const ok = await api.patch(`/v1/users/${target.id}`, { role: 'manager' }, admin);
    expect(ok.status).toBe(200);
    expect(ok.body.role).toBe('manager');
    // The new role applies to the member's existing session at once.
    expect((await api.get('/v1/invitations', target.token)).status).toBe(200);
    expect((await api.get('/v1/invitations', viewer.token)).status).toBe(403);
  });

  it('rejects an unknown role', async () => {
    const target = await api.addMember(admin, 'badrole@example.com', 'member');
    const r = await api.patch(`/v1/users/${target.id}`, { role: 'owner' }, admin);
    expect(r.status).toBe(400);
    expect(r.body.errors[0].field).toBe('body.role');
  });

  it('never leaves an org without an admin', async () => {
    const me = (await api.get('/v1/auth/session', admin)).body.user.id;
    const demote = await api.patch(`/v1/users/${me}`, { role: 'member' }, admin);
    expect(demote.status).toBe(409);
    expect(demote.body.code).toBe('last_admin');
    const remove = await api.del(`/v1/users/${me}`, admin);
    expect(remove.status).toBe(409);
    expect((await api.get(`/v1/users/${me}`, admin)).body.role).toBe('admin');
  });

  it('removing a member ends their sessions in the org at once', async () => {
    const gone = await api.addMember(admin, 'leaver@example.com', 'member');
    expect((await api.get('/v1/users', gone.token)).status).toBe(200);
    expect((await api.del(`/v1/users/${gone.id}`, admin)).status).toBe(204);
    expect((await api.get('/v1/users', gone.token)).status).toBe(401);
    expect((await api.get(`/v1/users/${gone.id}`, admin)).status).toBe(404);
    const login = await api.post('/v1/auth/login', { email: 'leaver@example.com', password: gone.password });
    expect(login.status).toBe(403);
    expect(login.body.code).toBe('no_organization');
  });

  it('records role changes and removals in the audit log', async () => {
    const rows = await server.runtime.db.system
      .selectFrom('audit_events')
      .select(['action', 'actor_type', 'target_id', 'details'])
      .where('action', 'in', ['member.role_changed', 'member.removed', 'invitation.created', 'user.login'])
      .execute();
    const actions = new Set(rows.map((r) => r.action));
    expect(actions).toEqual(
      new Set(['member.role_changed', 'member.removed', 'invitation.created', 'user.login']),
    );
    expect(rows.find((r) => r.action === 'member.role_changed')?.details).toMatchObject({
      from: 'member',
      to: 'manager',
    });
  });
});
