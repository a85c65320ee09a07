import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HubBroadcast } from '../src/modules/hub/contract.js';
import { client } from './client.js';
import { startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let api: ReturnType<typeof client>;
let admin: string;
let owner: { token: string; id: string };
let member: { token: string; id: string };
let events: HubBroadcast[] = [];

beforeAll(async () => {
  server = await startTestServer();
  api = client(server);
  admin = await api.login(server.admin.email, server.admin.password);
  owner = await api.addMember(admin, 'msgs-owner@example.com', 'member');
  member = await api.addMember(admin, 'msgs-member@example.com', 'member');
  server.runtime.services.hub.onBroadcast((e) => events.push(e));
});
afterAll(() => server.close());
beforeEach(() => {
  events = [];
});

let n = 0;
/** A public room of `owner` that `member` has joined. */
const newRoom = async () => {
  const r = await api.post('/v1/rooms', { slug: `msgs-${++n}`, name: `Room ${n}` }, owner.token);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  expect((await api.post(`/v1/rooms/${r.body.id}/join`, {}, member.token)).status).toBe(200);
  return r.body.id as string;
};
const send = (roomId: string, body: Record<string, unknown>, token = member.token) =>
  api.post(`/v1/rooms/${roomId}/messages`, body, token);
const sendOk = async (roomId: string, body: string, token = member.token) => {
  const r = await send(roomId, { body }, token);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
};
const messagesBroadcast = () => events.filter((e) => e.type.startsWith('message:'));
const messageEvents = (id: string) =>
  events.filter((e) => 'message' in e && e.message.id === id).map((e) => e.type);

describe('sending', () => {
  it('stores a message, answers it whole and broadcasts it once', async () => {
    const room = await newRoom();
    const r = await send(room, { body: 'hello', data: { kind: 'greeting', n: 1 } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      room_id: room,
      seq: 1,
      sender: { type: 'user', id: member.id },
      body: 'hello',
      data: { kind: 'greeting', n: 1 },
      reply_to: null,
      client_msg_id: null,
      edited_at: null,
      deleted_at: null,
    });
    expect(r.body.id).toMatch(/^msg_[0-9a-z]{26}$/);
    expect(messagesBroadcast()).toEqual([
      { type: 'message:new', orgId: expect.stringMatching(/^org_/), message: r.body },
    ]);
    expect((await api.get(`/v1/rooms/${room}`, member.token)).body.last_seq).toBe(1);
  });

  it('stores a message once per client_msg_id: 200 with the stored one the second time', async () => {
    const room = await newRoom();
    const first = await send(room, { body: 'once', client_msg_id: 'retry-1' });
    expect(first.status).toBe(201);
    const again = await send(room, { body: 'once', client_msg_id: 'retry-1' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    // The key is the sender's: someone else may use the same one.
    const theirs = await send(room, { body: 'mine', client_msg_id: 'retry-1' }, owner.token);
    expect(theirs.status).toBe(201);
    const both = await Promise.all([
      send(room, { body: 'raced', client_msg_id: 'race' }),
      send(room, { body: 'raced', client_msg_id: 'race' }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 201]);
    expect(both[0]?.body.id).toBe(both[1]?.body.id);
    const history = await api.get(`/v1/rooms/${room}/messages`, member.token);
    expect(history.body.items.map((m: any) => m.seq)).toEqual([1, 2, 3]);
    expect(events.filter((e) => e.type === 'message:new')).toHaveLength(3);
    const badKey = await send(room, { body: 'x', client_msg_id: 'has space' });
    expect(badKey.status).toBe(400);
  });

  it('numbers concurrent sends 1..20 without gaps or duplicates', async () => {
    const room = await newRoom();
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send(room, { body: `parallel ${i}` }, i % 2 ? owner.token : member.token),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(201));
    const seqs = replies.map((r) => r.body.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const history = await api.get(`/v1/rooms/${room}/messages`, member.token);
    expect(history.body.items.map((m: any) => m.seq)).toEqual(seqs);
    expect((await api.get(`/v1/rooms/${room}`, member.token)).body.last_seq).toBe(20);
  });

  it('refuses a body over the limit (413), too much data, and malformed data', async () => {
    const room = await newRoom();
    const limit = 65_536;
    expect((await send(room, { body: 'x'.repeat(limit) })).status).toBe(201);
    const over = await send(room, { body: 'x'.repeat(limit + 1) });
    expect(over.status).toBe(413);
    expect(over.body.code).toBe('message_too_large');
    // Bytes, not characters: é is two in UTF-8.
    const wide = await send(room, { body: 'é'.repeat(limit / 2 + 1) });
    expect(wide.status).toBe(413);
    const data = await send(room, { body: 'x', data: { blob: 'a'.repeat(17_000) } });
    expect(data.status).toBe(413);
    expect(data.body.code).toBe('message_too_large');
    for (const bad of [[1, 2], 'text', 3, null]) {
      const r = await send(room, { body: 'x', data: bad });
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.body.code).toBe('validation_failed');
    }
    const empty = await send(room, { body: '' });
    expect(empty.status).toBe(400);
    const unknown = await send(room, { body: 'x', seq: 7 });
    expect(unknown.status).toBe(400);
    expect(messagesBroadcast()).toHaveLength(1);
  });

  it('checks reply_to is a message of the same room', async () => {
    const room = await newRoom();
    const elsewhere = await newRoom();
    const theirs = await sendOk(elsewhere, 'over there');
    const mine = await sendOk(room, 'question');
    const reply = await send(room, { body: 'answer', reply_to: mine.id });
    expect(reply.status).toBe(201);
    expect(reply.body.reply_to).toBe(mine.id);
    for (const id of [theirs.id, 'msg_00000000000000000000000000']) {
      const r = await send(room, { body: 'answer', reply_to: id });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('invalid_reply_to');
    }
    const malformed = await send(room, { body: 'answer', reply_to: 'nope' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('validation_failed');
  });

  it('refuses posts to an archived room (409), which stays readable', async () => {
    const room = await newRoom();
    await sendOk(room, 'before');
    const archived = await api.patch(`/v1/rooms/${room}`, { archived: true }, owner.token);
    expect(archived.status).toBe(200);
    expect(events).toContainEqual({ type: 'room:archived', orgId: expect.any(String), roomId: room });
    const refused = await send(room, { body: 'after' });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('room_archived');
    const join = await api.post(`/v1/rooms/${room}/join`, {}, admin);
    expect(join.status).toBe(409);
    expect(join.body.code).toBe('room_archived');
    const history = await api.get(`/v1/rooms/${room}/messages`, member.token);
    expect(history.body.items.map((m: any) => m.body)).toEqual(['before']);
    expect(events.filter((e) => e.type === 'message:new')).toHaveLength(1);
    await api.patch(`/v1/rooms/${room}`, { archived: false }, owner.token);
    expect((await send(room, { body: 'after' })).body.seq).toBe(2);
  });
});

describe('history and search', () => {
  let room: string;
  beforeAll(async () => {
    room = await newRoom();
    for (let i = 1; i <= 25; i++) await sendOk(room, `message number ${i}`);
  });
  const page = async (query: string) => {
    const r = await api.get(`/v1/rooms/${room}/messages?${query}`, member.token);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return { seqs: r.body.items.map((m: any) => m.seq), has_more: r.body.has_more };
  };
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it('pages back with before_seq and forward with after_seq, ascending, with has_more', async () => {
    expect(await page('')).toEqual({ seqs: range(1, 25), has_more: false });
    expect(await page('limit=10')).toEqual({ seqs: range(16, 25), has_more: true });
    expect(await page('limit=10&before_seq=16')).toEqual({ seqs: range(6, 15), has_more: true });
    expect(await page('limit=10&before_seq=6')).toEqual({ seqs: range(1, 5), has_more: false });
    expect(await page('limit=10&after_seq=0')).toEqual({ seqs: range(1, 10), has_more: true });
    expect(await page('limit=10&after_seq=20')).toEqual({ seqs: range(21, 25), has_more: false });
    expect(await page('limit=10&after_seq=15')).toEqual({ seqs: range(16, 25), has_more: false });
    expect(await page('limit=3&after_seq=5&before_seq=10')).toEqual({ seqs: [6, 7, 8], has_more: true });
    expect(await page('after_seq=25')).toEqual({ seqs: [], has_more: false });
    for (const bad of ['limit=0', 'limit=201', 'after_seq=-1', 'before_seq=x', 'since=3']) {
      const r = await api.get(`/v1/rooms/${room}/messages?${bad}`, member.token);
      expect(r.status, bad).toBe(400);
    }
  });

  it('finds words in live messages of the room only, best match first', async () => {
    const other = await newRoom();
    await sendOk(other, 'deploy the gateway');
    const a = await sendOk(room, 'deploy the gateway tonight');
    const b = await sendOk(room, 'gateway gateway gateway deploy deploy');
    const c = await sendOk(room, 'the deploy of the gateway is secret');
    const found = await api.get(`/v1/rooms/${room}/messages/search?q=deploy%20gateway`, member.token);
    expect(found.status).toBe(200);
    expect(found.body.items.map((m: any) => m.id).sort()).toEqual([a.id, b.id, c.id].sort());
    expect(found.body.items[0].id).toBe(b.id);
    const phrase = await api.get(`/v1/rooms/${room}/messages/search?q="gateway tonight"`, member.token);
    expect(phrase.body.items.map((m: any) => m.id)).toEqual([a.id]);
    const excluded = await api.get(`/v1/rooms/${room}/messages/search?q=deploy -secret`, member.token);
    expect(excluded.body.items.map((m: any) => m.id).sort()).toEqual([a.id, b.id].sort());
    expect((await api.del(`/v1/rooms/${room}/messages/${b.id}`, member.token)).status).toBe(200);
    const after = await api.get(`/v1/rooms/${room}/messages/search?q=gateway`, member.token);
    expect(after.body.items.map((m: any) => m.id).sort()).toEqual([a.id, c.id].sort());
    const none = await api.get(`/v1/rooms/${room}/messages/search?q=kubernetes`, member.token);
    expect(none.body.items).toEqual([]);
    expect((await api.get(`/v1/rooms/${room}/messages/search?q=`, member.token)).status).toBe(400);
  });
});

describe('edit and delete', () => {
  it('lets the sender edit, no one else; broadcast and audited without the body', async () => {
    const room = await newRoom();
    const m = await sendOk(room, 'first draft with a secret word');
    events = [];
    const edited = await api.patch(
      `/v1/rooms/${room}/messages/${m.id}`,
      { body: 'second draft', data: { v: 2 } },
      member.token,
    );
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body).toMatchObject({ id: m.id, seq: m.seq, body: 'second draft', data: { v: 2 } });
    expect(edited.body.edited_at).toEqual(expect.any(String));
    // Without data, the data stays.
    const again = await api.patch(
      `/v1/rooms/${room}/messages/${m.id}`,
      { body: 'third draft' },
      member.token,
    );
    expect(again.body).toMatchObject({ body: 'third draft', data: { v: 2 } });
    for (const token of [owner.token, admin]) {
      const r = await api.patch(`/v1/rooms/${room}/messages/${m.id}`, { body: 'hijacked' }, token);
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('forbidden');
    }
    expect(messageEvents(m.id)).toEqual(['message:updated', 'message:updated']);
    const records = (await api.get(`/v1/audit?action=hub.message_edited&target=${m.id}`, admin)).body.items;
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ actor: { type: 'user', id: member.id }, details: { room_id: room } });
    expect(JSON.stringify(records)).not.toContain('draft');
  });

  it('deletes as a tombstone: by the sender or a moderator, not by other members', async () => {
    const room = await newRoom();
    const mine = await sendOk(room, 'oops', member.token);
    const theirs = await sendOk(room, 'owner speaking', owner.token);
    await api.post(`/v1/rooms/${room}/join`, {}, admin);
    const otherMember = await api.addMember(admin, 'msgs-third@example.com', 'member');
    await api.post(`/v1/rooms/${room}/join`, {}, otherMember.token);
    const refused = await api.del(`/v1/rooms/${room}/messages/${mine.id}`, otherMember.token);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('forbidden');
    events = [];

    const tomb = await api.del(`/v1/rooms/${room}/messages/${mine.id}`, member.token);
    expect(tomb.status).toBe(200);
    expect(tomb.body).toMatchObject({ id: mine.id, seq: mine.seq, body: '', data: null });
    expect(tomb.body.deleted_at).toEqual(expect.any(String));
    const twice = await api.del(`/v1/rooms/${room}/messages/${mine.id}`, member.token);
    expect(twice.status).toBe(200);
    expect(twice.body).toEqual(tomb.body);
    expect(messageEvents(mine.id)).toEqual(['message:deleted']);
    const edit = await api.patch(`/v1/rooms/${room}/messages/${mine.id}`, { body: 'back' }, member.token);
    expect(edit.status).toBe(404);

    // The owner of the room moderates; so does an org admin.
    const moderated = await api.del(`/v1/rooms/${room}/messages/${theirs.id}`, admin);
    expect(moderated.status).toBe(200);
    const third = await sendOk(room, 'third', otherMember.token);
    expect((await api.del(`/v1/rooms/${room}/messages/${third.id}`, owner.token)).status).toBe(200);

    const history = await api.get(`/v1/rooms/${room}/messages`, member.token);
    expect(history.body.items.map((m: any) => [m.seq, m.body, m.deleted_at !== null])).toEqual([
      [1, '', true],
      [2, '', true],
      [3, '', true],
    ]);
    const records = (await api.get(`/v1/audit?action=hub.message_deleted&target=${mine.id}`, admin)).body
      .items;
    expect(records).toHaveLength(1);
    expect(JSON.stringify(records)).not.toContain('oops');
  });

  it('finds a message only in its own room', async () => {
    const room = await newRoom();
    const elsewhere = await newRoom();
    const m = await sendOk(room, 'here');
    const wrongRoom = await api.patch(`/v1/rooms/${elsewhere}/messages/${m.id}`, { body: 'x' }, member.token);
    expect(wrongRoom.status).toBe(404);
    expect((await api.del(`/v1/rooms/${elsewhere}/messages/${m.id}`, member.token)).status).toBe(404);
    const unknown = await api.del(`/v1/rooms/${room}/messages/msg_00000000000000000000000000`, member.token);
    expect(unknown.status).toBe(404);
    expect(events.filter((e) => e.type !== 'message:new' && e.type !== 'member:added')).toEqual([]);
  });
});
