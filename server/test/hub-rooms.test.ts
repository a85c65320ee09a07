import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './client.js';
import { startTestServer, type TestServer } from './harness.js';
import { clientBuilder, formPost, otherOrgAdmin, type TestClient } from './oauth-fixture.js';

let server: TestServer;
let api: ReturnType<typeof client>;
let admin: string;
let member: { token: string; id: string };
let other: { token: string; id: string };
let viewer: { token: string; id: string };
let newAgent: ReturnType<typeof clientBuilder>;

beforeAll(async () => {
  server = await startTestServer();
  api = client(server);
  admin = await api.login(server.admin.email, server.admin.password);
  member = await api.addMember(admin, 'rooms-member@example.com', 'member');
  other = await api.addMember(admin, 'rooms-other@example.com', 'member');
  viewer = await api.addMember(admin, 'rooms-viewer@example.com', 'viewer');
  newAgent = clientBuilder(api, admin, 'rooms-agent');
});
afterAll(() => server.close());

let n = 0;
const createRoom = async (token: string, body: Record<string, unknown> = {}) => {
  const r = await api.post('/v1/rooms', { slug: `room-${++n}`, name: `Room ${n}`, ...body }, token);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
};
const put = (path: string, body: unknown, token: string) => api.call('PUT', path, { token, body });
const setRole = (roomId: string, memberId: string, role: string, token: string) =>
  put(`/v1/rooms/${roomId}/members/${memberId}`, { role }, token);
const post = (roomId: string, body: string, token: string) =>
  api.post(`/v1/rooms/${roomId}/messages`, { body }, token);
const auditOf = async (action: string, target: string) =>
  (await api.get(`/v1/audit?action=${action}&target=${target}`, admin)).body.items;
const grant = async (agentId: string, capability: string) => {
  const r = await api.post(`/v1/agents/${agentId}/skills`, { capability }, admin);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
};

describe('rooms', () => {
  it('creates, reads, lists, changes and deletes a room, audited', async () => {
    const room = await createRoom(member.token, { topic: 'builds', tags: ['ci', 'ops'] });
    expect(room).toMatchObject({
      slug: `room-${n}`,
      topic: 'builds',
      visibility: 'public',
      tags: ['ci', 'ops'],
      created_by: { type: 'user', id: member.id },
      archived: false,
      last_seq: 0,
      my_role: 'owner',
    });
    expect(room.id).toMatch(/^rm_[0-9a-z]{26}$/);
    const got = await api.get(`/v1/rooms/${room.id}`, other.token);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: room.id, my_role: null });
    const listed = await api.get('/v1/rooms?limit=200', other.token);
    expect(listed.body.items.map((r: any) => r.id)).toContain(room.id);

    const changed = await api.patch(
      `/v1/rooms/${room.id}`,
      { name: 'Builds', topic: 'CI builds', tags: ['ci'] },
      member.token,
    );
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({
      name: 'Builds',
      topic: 'CI builds',
      tags: ['ci'],
      my_role: 'owner',
    });
    const notOwner = await api.patch(`/v1/rooms/${room.id}`, { name: 'Mine' }, other.token);
    expect(notOwner.status).toBe(403);
    expect(notOwner.body.code).toBe('forbidden');
    expect((await api.del(`/v1/rooms/${room.id}`, other.token)).status).toBe(403);

    expect((await api.del(`/v1/rooms/${room.id}`, member.token)).status).toBe(204);
    expect((await api.get(`/v1/rooms/${room.id}`, member.token)).status).toBe(404);
    expect(await auditOf('hub.room_created', room.id)).toHaveLength(1);
    const [updated] = await auditOf('hub.room_updated', room.id);
    expect(updated).toMatchObject({ actor: { type: 'user', id: member.id } });
    expect(updated.details.fields.sort()).toEqual(['name', 'tags', 'topic']);
    expect(await auditOf('hub.room_deleted', room.id)).toHaveLength(1);
  });

  it('pages the list with a cursor', async () => {
    for (let i = 0; i < 3; i++) await createRoom(admin);
    const first = await api.get('/v1/rooms?limit=2', admin);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const next = await api.get(`/v1/rooms?limit=2&cursor=${first.body.next_cursor}`, admin);
    expect(next.status).toBe(200);
    expect(next.body.items[0].id > first.body.items[1].id).toBe(true);
  });

  it('refuses a taken slug (another org may use it), a bad slug and unknown fields', async () => {
    const room = await createRoom(member.token);
    const again = await api.post('/v1/rooms', { slug: room.slug, name: 'Again' }, other.token);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('slug_taken');
    const foreign = await otherOrgAdmin(api, admin, 'rooms-slug');
    expect((await api.post('/v1/rooms', { slug: room.slug, name: 'Theirs' }, foreign.token)).status).toBe(
      201,
    );
    for (const slug of ['-dash', 'Upper', 'a'.repeat(64), '']) {
      const bad = await api.post('/v1/rooms', { slug, name: 'x' }, member.token);
      expect(bad.status, slug).toBe(400);
      expect(bad.body.code).toBe('validation_failed');
    }
    const unknown = await api.post('/v1/rooms', { slug: 'fine', name: 'x', owner: 'me' }, member.token);
    expect(unknown.status).toBe(400);
    const tooManyTags = await api.post(
      '/v1/rooms',
      { slug: 'tags', name: 'x', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) },
      member.token,
    );
    expect(tooManyTags.status).toBe(400);
  });

  it('needs a session or a token, and the member role to create', async () => {
    expect((await api.get('/v1/rooms')).status).toBe(401);
    expect((await api.post('/v1/rooms', { slug: 'anon', name: 'x' })).status).toBe(401);
    const byViewer = await api.post('/v1/rooms', { slug: 'viewer', name: 'x' }, viewer.token);
    expect(byViewer.status).toBe(403);
    expect(byViewer.body.code).toBe('insufficient_role');
  });
});

describe('visibility', () => {
  it('hides a private room from non-members, shows it to members and admins', async () => {
    const room = await createRoom(member.token, { visibility: 'private' });
    for (const token of [other.token, viewer.token]) {
      const got = await api.get(`/v1/rooms/${room.id}`, token);
      expect(got.status).toBe(404);
      expect(got.body.code).toBe('not_found');
      expect((await api.get(`/v1/rooms/${room.id}/messages`, token)).status).toBe(404);
      expect((await api.post(`/v1/rooms/${room.id}/join`, {}, token)).status).toBe(404);
      expect((await post(room.id, 'hi', token)).status).toBe(404);
      const listed = await api.get('/v1/rooms?limit=200', token);
      expect(listed.body.items.map((r: any) => r.id)).not.toContain(room.id);
    }
    expect((await api.get(`/v1/rooms/${room.id}`, admin)).status).toBe(200);
    const adminList = await api.get('/v1/rooms?limit=200', admin);
    expect(adminList.body.items.map((r: any) => r.id)).toContain(room.id);

    expect((await setRole(room.id, other.id, 'member', member.token)).status).toBe(201);
    expect((await api.get(`/v1/rooms/${room.id}`, other.token)).body.my_role).toBe('member');
    const mine = await api.get('/v1/rooms?mine=true&limit=200', other.token);
    expect(mine.body.items.map((r: any) => r.id)).toContain(room.id);
    expect(mine.body.items.every((r: any) => r.my_role !== null)).toBe(true);
  });

  it("makes another org's rooms not exist (404, never 403)", async () => {
    const room = await createRoom(member.token);
    const foreign = await otherOrgAdmin(api, admin, 'rooms-foreign');
    const paths = [`/v1/rooms/${room.id}`, `/v1/rooms/${room.id}/members`, `/v1/rooms/${room.id}/messages`];
    for (const path of paths) {
      const r = await api.get(path, foreign.token);
      expect(r.status, path).toBe(404);
      expect(r.body.code).toBe('not_found');
    }
    expect((await api.patch(`/v1/rooms/${room.id}`, { name: 'x' }, foreign.token)).status).toBe(404);
    expect((await api.del(`/v1/rooms/${room.id}`, foreign.token)).status).toBe(404);
    expect((await post(room.id, 'hi', foreign.token)).status).toBe(404);
    expect((await api.post(`/v1/rooms/${room.id}/join`, {}, foreign.token)).status).toBe(404);
    const list = await api.get('/v1/rooms?limit=200', foreign.token);
    expect(list.body.items.map((r: any) => r.id)).not.toContain(room.id);
    expect((await api.get(`/v1/rooms/${room.id}`, member.token)).status).toBe(200);
  });
});

describe('membership', () => {
  it('adds members with roles; read_only reads but cannot post; non-members cannot post', async () => {
    const room = await createRoom(member.token);
    const outsider = await post(room.id, 'hello', other.token);
    expect(outsider.status).toBe(403);
    expect(outsider.body.code).toBe('not_a_member');
    const added = await setRole(room.id, other.id, 'read_only', member.token);
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ type: 'user', id: other.id, role: 'read_only' });
    const ro = await post(room.id, 'hello', other.token);
    expect(ro.status).toBe(403);
    expect(ro.body.code).toBe('read_only');
    expect((await api.get(`/v1/rooms/${room.id}/messages`, other.token)).status).toBe(200);
    const promoted = await setRole(room.id, other.id, 'member', member.token);
    expect(promoted.status).toBe(200);
    expect((await post(room.id, 'hello', other.token)).status).toBe(201);
    const same = await setRole(room.id, other.id, 'member', member.token);
    expect(same.status).toBe(200);

    const members = await api.get(`/v1/rooms/${room.id}/members`, other.token);
    expect(members.body.items).toEqual([
      expect.objectContaining({ type: 'user', id: member.id, role: 'owner' }),
      expect.objectContaining({ type: 'user', id: other.id, role: 'member' }),
    ]);
    const byMember = await setRole(room.id, viewer.id, 'member', other.token);
    expect(byMember.status).toBe(403);
    expect(byMember.body.code).toBe('forbidden');

    expect(await auditOf('hub.member_added', room.id)).toEqual([
      expect.objectContaining({ details: { member: { type: 'user', id: other.id }, role: 'read_only' } }),
    ]);
    const [changed] = await auditOf('hub.member_changed', room.id);
    expect(changed.details).toEqual({
      member: { type: 'user', id: other.id },
      role: 'member',
      from: 'read_only',
    });
    expect(await auditOf('hub.member_changed', room.id)).toHaveLength(1);
  });

  it('refuses a member who is not a user or agent of the org', async () => {
    const room = await createRoom(member.token);
    const ghost = await setRole(room.id, 'usr_00000000000000000000000000', 'member', member.token);
    expect(ghost.status).toBe(400);
    const foreign = await otherOrgAdmin(api, admin, 'rooms-member');
    const theirs = await api.post('/v1/agents', { name: 'foreign-agent' }, foreign.token);
    expect(theirs.status).toBe(201);
    const agent = await setRole(room.id, theirs.body.id, 'member', member.token);
    expect(agent.status).toBe(400);
    const malformed = await setRole(room.id, 'org_00000000000000000000000000', 'member', member.token);
    expect(malformed.status).toBe(400);
    const badRole = await setRole(room.id, other.id, 'admin', member.token);
    expect(badRole.status).toBe(400);
  });

  it('keeps at least one owner', async () => {
    const room = await createRoom(member.token);
    const demote = await setRole(room.id, member.id, 'member', member.token);
    expect(demote.status).toBe(409);
    expect(demote.body.code).toBe('last_owner');
    const leave = await api.post(`/v1/rooms/${room.id}/leave`, {}, member.token);
    expect(leave.status).toBe(409);
    expect(leave.body.code).toBe('last_owner');
    expect((await api.del(`/v1/rooms/${room.id}/members/${member.id}`, admin)).body.code).toBe('last_owner');
    expect((await setRole(room.id, other.id, 'owner', member.token)).status).toBe(201);
    expect((await api.post(`/v1/rooms/${room.id}/leave`, {}, member.token)).status).toBe(204);
    expect((await api.get(`/v1/rooms/${room.id}`, member.token)).body.my_role).toBeNull();
  });

  it('joins public rooms, leaves them, and removes members', async () => {
    const room = await createRoom(member.token);
    const joined = await api.post(`/v1/rooms/${room.id}/join`, {}, other.token);
    expect(joined.status).toBe(200);
    expect(joined.body.my_role).toBe('member');
    expect((await api.post(`/v1/rooms/${room.id}/join`, {}, other.token)).status).toBe(200);
    expect(await auditOf('hub.member_added', room.id)).toHaveLength(1);
    // A member leaves by removing itself.
    expect((await api.del(`/v1/rooms/${room.id}/members/${other.id}`, other.token)).status).toBe(204);
    const gone = await api.post(`/v1/rooms/${room.id}/leave`, {}, other.token);
    expect(gone.status).toBe(403);
    expect(gone.body.code).toBe('not_a_member');
    await api.post(`/v1/rooms/${room.id}/join`, {}, other.token);
    await api.post(`/v1/rooms/${room.id}/join`, {}, viewer.token);
    const kick = await api.del(`/v1/rooms/${room.id}/members/${viewer.id}`, other.token);
    expect(kick.status).toBe(403);
    expect((await api.del(`/v1/rooms/${room.id}/members/${viewer.id}`, member.token)).status).toBe(204);
    const missing = await api.del(`/v1/rooms/${room.id}/members/${viewer.id}`, member.token);
    expect(missing.status).toBe(404);
    const removed = await auditOf('hub.member_removed', room.id);
    expect(removed.map((r: any) => r.details.member.id).sort()).toEqual([other.id, viewer.id].sort());
  });

  it('lets org admins act as owners of every room', async () => {
    const room = await createRoom(member.token, { visibility: 'private' });
    expect((await setRole(room.id, other.id, 'member', admin)).status).toBe(201);
    expect((await api.patch(`/v1/rooms/${room.id}`, { topic: 'moderated' }, admin)).status).toBe(200);
    expect((await post(room.id, 'admin here', admin)).status).toBe(201);
    expect((await api.del(`/v1/rooms/${room.id}`, admin)).status).toBe(204);
  });

  it('lets a viewer read and join but not post', async () => {
    const room = await createRoom(member.token);
    await post(room.id, 'for everyone', member.token);
    const read = await api.get(`/v1/rooms/${room.id}/messages`, viewer.token);
    expect(read.status).toBe(200);
    expect(read.body.items.map((m: any) => m.body)).toEqual(['for everyone']);
    expect((await api.post(`/v1/rooms/${room.id}/join`, {}, viewer.token)).body.my_role).toBe('member');
    const posted = await post(room.id, 'me too', viewer.token);
    expect(posted.status).toBe(403);
    expect(posted.body.code).toBe('read_only');
  });
});

describe('agents', () => {
  let room: any;
  beforeAll(async () => {
    room = await createRoom(member.token, { tags: ['ops'] });
    await post(room.id, 'status report', member.token);
  });

  it('reads with data_read and posts with data_write; refused and audited without', async () => {
    const a: TestClient = await newAgent();
    const token = await a.token();
    const denied = await api.get(`/v1/rooms/${room.id}/messages`, token);
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('forbidden');
    expect(denied.body.detail).toContain('missing_capability:data_read');
    expect((await api.get(`/v1/rooms/${room.id}`, token)).status).toBe(403);
    expect((await api.get('/v1/rooms?limit=200', token)).body.items).toEqual([]);
    const records = (await api.get(`/v1/audit?action=authz.denied&actor=${a.agentId}`, admin)).body.items;
    expect(records[0]).toMatchObject({
      outcome: 'failure',
      target: { type: 'room', id: room.id },
      details: { action: 'room.read', reasons: ['missing_capability:data_read'] },
    });

    await grant(a.agentId, 'data_read');
    const read = await api.get(`/v1/rooms/${room.id}/messages`, token);
    expect(read.status).toBe(200);
    expect(read.body.items.map((m: any) => m.body)).toEqual(['status report']);
    expect((await api.get('/v1/rooms?limit=200', token)).body.items.map((r: any) => r.id)).toContain(room.id);
    const notMember = await post(room.id, 'hi', token);
    expect(notMember.status).toBe(403);
    expect(notMember.body.code).toBe('not_a_member');
    const joined = await api.post(`/v1/rooms/${room.id}/join`, {}, token);
    expect(joined.status).toBe(200);
    expect(joined.body.my_role).toBe('member');
    const noWrite = await post(room.id, 'hi', token);
    expect(noWrite.status).toBe(403);
    expect(noWrite.body.code).toBe('forbidden');
    expect(noWrite.body.detail).toContain('missing_capability:data_write');
    const postDenials = (await api.get(`/v1/audit?action=authz.denied&actor=${a.agentId}`, admin)).body.items;
    expect(postDenials[0].details).toMatchObject({ action: 'room.post' });

    await grant(a.agentId, 'data_write');
    const sent = await post(room.id, 'agent here', token);
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    expect(sent.body.sender).toEqual({ type: 'agent', id: a.agentId });
    const members = await api.get(`/v1/rooms/${room.id}/members`, token);
    expect(members.body.items).toContainEqual(expect.objectContaining({ type: 'agent', id: a.agentId }));
  });

  it('refuses a revoked token and a suspended agent', async () => {
    const a = await newAgent();
    await grant(a.agentId, 'data_read');
    const revoked = await a.token();
    expect((await api.get(`/v1/rooms/${room.id}/messages`, revoked)).status).toBe(200);
    expect((await formPost(api, '/oauth/revoke', { token: revoked }, a.auth)).status).toBe(200);
    const afterRevoke = await api.get(`/v1/rooms/${room.id}/messages`, revoked);
    expect(afterRevoke.status).toBe(401);
    expect(afterRevoke.body.code).toBe('invalid_token');
    const live = await a.token();
    expect((await api.patch(`/v1/agents/${a.agentId}`, { status: 'suspended' }, admin)).status).toBe(200);
    const suspended = await api.get(`/v1/rooms/${room.id}/messages`, live);
    expect(suspended.status).toBe(401);
    expect((await api.get('/v1/rooms', 'not-a-token')).status).toBe(401);
  });

  it('needs gatehouse:rooms.write to create rooms and manage members', async () => {
    const plain = await newAgent();
    const noScope = await api.post('/v1/rooms', { slug: 'agent-room', name: 'x' }, await plain.token());
    expect(noScope.status).toBe(403);
    expect(noScope.body.code).toBe('insufficient_scope');
    const manager = await newAgent({ allowed_scopes: ['gatehouse:rooms.write'] });
    const token = await manager.token();
    const created = await api.post('/v1/rooms', { slug: 'agent-room', name: 'Agent room' }, token);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      created_by: { type: 'agent', id: manager.agentId },
      my_role: 'owner',
    });
    await grant(manager.agentId, 'data_read');
    const added = await setRole(created.body.id, plain.agentId, 'read_only', token);
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    const byPlain = await setRole(created.body.id, member.id, 'member', await plain.token());
    expect(byPlain.status).toBe(403);
    const [record] = await auditOf('hub.member_added', created.body.id);
    expect(record.actor).toMatchObject({ type: 'agent', id: manager.agentId });
  });

  it('obeys a policy that forbids posting to rooms of a tag', async () => {
    const a = await newAgent();
    await grant(a.agentId, 'data_read');
    await grant(a.agentId, 'data_write');
    const token = await a.token();
    const open = await createRoom(member.token);
    for (const r of [room, open]) {
      expect((await api.post(`/v1/rooms/${r.id}/join`, {}, token)).status).toBe(200);
    }
    const saved = await api.call('PUT', '/v1/authz/policies', {
      token: admin,
      body: {
        text: '@id("all")\npermit (principal, action, resource);\n@id("ops-read-only")\nforbid (principal, action == Action::"room.post", resource)\n  when { resource has tags && resource.tags.contains("ops") };\n',
      },
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    try {
      const refused = await post(room.id, 'not here', token);
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('forbidden');
      expect(refused.body.detail).toContain('forbidden_by:ops-read-only');
      expect((await api.get(`/v1/rooms/${room.id}/messages`, token)).status).toBe(200);
      expect((await post(open.id, 'fine here', token)).status).toBe(201);
    } finally {
      await api.call('PUT', '/v1/authz/policies', {
        token: admin,
        body: { text: '@id("default-permit")\npermit (principal, action, resource);\n' },
      });
    }
  });
});
