import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { client } from './client.js';
import { manualClock, startTestServer, type TestServer } from './harness.js';
import { connect, ids, mark, received, refusal, send } from './hub-fixture.js';
import { clientBuilder, formPost, otherOrgAdmin, type TestClient } from './oauth-fixture.js';

/**
 * The hub's real-time layer at the WebSocket boundary (docs/hub.md, "Real time"): socket.io
 * clients against a real server, messages checked over HTTP too.
 */

type Api = ReturnType<typeof client>;
const MAX_MESSAGE_BYTES = 4096;
const EVENTS_PER_SECOND = 20;
const MAX_BUFFERED = 50;

const disconnected = (s: Socket) =>
  new Promise<string>((resolve) => (s.disconnected ? resolve('already') : s.once('disconnect', resolve)));

/** Agents of one org with rooms to talk in, built over HTTP as an operator would. */
async function orgFixture(api: Api, admin: string, prefix: string) {
  const newClient = clientBuilder(api, admin, prefix);
  const agent = async (capabilities: string[]) => {
    const c = await newClient();
    for (const capability of capabilities) {
      const r = await api.post(`/v1/agents/${c.agentId}/skills`, { capability }, admin);
      expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    }
    return c;
  };
  const room = async (slug: string, members: TestClient[], visibility = 'public') => {
    const r = await api.post('/v1/rooms', { slug, name: slug, visibility }, admin);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    for (const m of members) {
      const put = await api.call('PUT', `/v1/rooms/${r.body.id}/members/${m.agentId}`, {
        token: admin,
        body: { role: 'member' },
      });
      expect(put.status, JSON.stringify(put.body)).toBeLessThan(300);
    }
    return r.body.id as string;
  };
  return { agent, room };
}

const agentRef = (c: TestClient) => ({ type: 'agent', id: c.agentId });

describe('hub socket', () => {
  let server: TestServer;
  let api: Api;
  let admin: string;
  let adminId: string;
  /** data_read + data_write, member of room1 and room2. */
  let writer: TestClient;
  /** data_read only, member of room1. */
  let reader: TestClient;
  /** data_read + data_write, member of room2 only. */
  let neighbour: TestClient;
  /** data_read + data_write, member of nothing. */
  let outsider: TestClient;
  /** An agent of another org, member of that org's room. */
  let foreigner: TestClient;
  let room1: string;
  let room2: string;
  let foreignRoom: string;

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        GATEHOUSE_HUB_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
        GATEHOUSE_HUB_EVENTS_PER_SECOND: String(EVENTS_PER_SECOND),
        GATEHOUSE_HUB_MAX_BUFFERED: String(MAX_BUFFERED),
      },
    });
    api = client(server);
    admin = await api.login(server.admin.email, server.admin.password);
    adminId = (await api.get('/v1/auth/session', admin)).body.user.id;
    const org = await orgFixture(api, admin, 'hub');
    writer = await org.agent(['data_read', 'data_write']);
    reader = await org.agent(['data_read']);
    neighbour = await org.agent(['data_read', 'data_write']);
    outsider = await org.agent(['data_read', 'data_write']);
    room1 = await org.room('room-one', [writer, reader]);
    room2 = await org.room('room-two', [writer, neighbour]);

    const other = await otherOrgAdmin(api, admin, 'hub-other');
    const otherOrg = await orgFixture(api, other.token, 'hub-foreign');
    foreigner = await otherOrg.agent(['data_read', 'data_write']);
    foreignRoom = await otherOrg.room('room-one', [foreigner]);
  });
  afterAll(() => server?.close());

  const lastSeq = async (room: string) => (await api.get(`/v1/rooms/${room}`, admin)).body.last_seq as number;

  it('refuses a handshake without a credential, with garbage, a revoked token, a suspended agent or a DPoP-bound token', async () => {
    const none = await refusal(server.url, {});
    expect(none.message).toBe('unauthenticated');
    expect(none.data).toMatchObject({ code: 'unauthenticated', message: expect.any(String) });

    for (const garbage of ['not-a-token', 'a.b.c', 'ghs_nope']) {
      const r = await refusal(server.url, { token: garbage });
      expect(r.data.code, garbage).toBe('invalid_token');
    }

    const revokedToken = await writer.token();
    expect((await formPost(api, '/oauth/revoke', { token: revokedToken }, writer.auth)).status).toBe(200);
    expect((await refusal(server.url, { token: revokedToken })).data.code).toBe('invalid_token');

    const suspended = await orgFixture(api, admin, 'hub-suspended').then((o) => o.agent(['data_read']));
    const suspendedToken = await suspended.token();
    expect((await api.patch(`/v1/agents/${suspended.agentId}`, { status: 'suspended' }, admin)).status).toBe(
      200,
    );
    const inactive = await refusal(server.url, { token: suspendedToken });
    expect(inactive).toMatchObject({ message: 'agent_inactive', data: { code: 'agent_inactive' } });

    const signedOut = await api.login(server.admin.email, server.admin.password);
    expect((await api.post('/v1/auth/logout', {}, signedOut)).status).toBeLessThan(300);
    expect((await refusal(server.url, { token: signedOut })).data.code).toBe('invalid_token');

    const keys = await generateKeyPair('EdDSA');
    const proof = await new SignJWT({
      htm: 'POST',
      htu: `${server.url}/oauth/token`,
      jti: randomUUID(),
      iat: Math.floor(Date.now() / 1000),
    })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'dpop+jwt', jwk: await exportJWK(keys.publicKey) })
      .sign(keys.privateKey);
    const bound = await formPost(
      api,
      '/oauth/token',
      { grant_type: 'client_credentials' },
      { ...writer.auth, dpop: proof },
    );
    expect(bound.status, JSON.stringify(bound.body)).toBe(200);
    expect((await refusal(server.url, { token: bound.body.access_token })).data.code).toBe(
      'dpop_unsupported',
    );
  });

  it('ends a socket whose token was revoked, or whose session ended, when it next acts: nothing is stored', async () => {
    const token = await writer.token();
    const w = await connect(server.url, { token });
    expect((await formPost(api, '/oauth/revoke', { token }, writer.auth)).status).toBe(200);
    const before = await lastSeq(room1);
    const gone = disconnected(w);
    expect(
      await send(w, 'message:send', { room: room1, body: 'after revocation', client_msg_id: 'rv-1' }),
    ).toMatchObject({ ok: false, error: { code: 'invalid_token' } });
    expect(await gone).toBe('io server disconnect');
    expect(w.seen['auth:expired']?.[0]).toMatchObject({ code: 'invalid_token' });
    expect(await lastSeq(room1)).toBe(before);

    const session = await api.login(server.admin.email, server.admin.password);
    const person = await connect(server.url, { token: session });
    expect((await api.post('/v1/auth/logout', {}, session)).status).toBeLessThan(300);
    const personGone = disconnected(person);
    expect(await send(person, 'room:join', { room: room1 })).toMatchObject({
      ok: false,
      error: { code: 'invalid_token' },
    });
    expect(await personGone).toBe('io server disconnect');
  });

  it('takes a socket out of a room it may no longer read once auth:refresh brings the new verdict', async () => {
    const org = await orgFixture(api, admin, 'hub-drop');
    const lurker = await org.agent(['data_read']);
    const poster = await org.agent(['data_read', 'data_write']);
    const room = await org.room('drop', [lurker, poster]);
    const p = await connect(server.url, { token: await poster.token() });
    const l = await connect(server.url, { token: await lurker.token() });
    await received(p, 'presence:update', (u) => u.principal.id === lurker.agentId && u.status === 'online');

    const taken = await api.del(`/v1/agents/${lurker.agentId}/skills/data_read`, admin);
    expect(taken.status, JSON.stringify(taken.body)).toBeLessThan(300);
    expect(await send(l, 'auth:refresh', { token: await lurker.token() })).toMatchObject({ ok: true });
    await received(p, 'presence:update', (u) => u.principal.id === lurker.agentId && u.status === 'offline');
    expect((await send(p, 'room:present', { room })).present).toEqual([agentRef(poster)]);

    const posted = await api.post(
      `/v1/rooms/${room}/messages`,
      { body: 'not for the lurker' },
      await poster.token(),
    );
    expect(posted.status).toBe(201);
    await received(p, 'message:new', (m) => m.id === posted.body.id);
    await sleep(200);
    expect(l.seen['message:new']).toBeUndefined();
    expect(l.connected).toBe(true);
  });

  it("accepts the console's session cookie only from Gatehouse's own origin", async () => {
    const cookie = `gh_session=${admin}`;
    const own = await connect(server.url, {}, { cookie, origin: server.url });
    expect(await received(own, 'session')).toMatchObject({ principal: { type: 'user', id: adminId } });
    // A same-origin long-polling GET carries no Origin; the browser marks it instead.
    const polling = await connect(server.url, {}, { cookie, 'sec-fetch-site': 'same-origin' });
    expect(await received(polling, 'session')).toMatchObject({ principal: { type: 'user', id: adminId } });

    const foreign = await refusal(server.url, {}, { cookie, origin: 'https://evil.example' });
    expect(foreign.data.code).toBe('unauthenticated');
    const crossSite = await refusal(server.url, {}, { cookie, 'sec-fetch-site': 'cross-site' });
    expect(crossSite.data.code).toBe('unauthenticated');
    // A page elsewhere holding the person's token itself is another matter: it is the token.
    const withToken = await connect(server.url, { token: admin }, { origin: 'https://evil.example' });
    expect(await received(withToken, 'session')).toMatchObject({ principal: { type: 'user', id: adminId } });
  });

  it('announces the session with every room joined, and refuses the main namespace', async () => {
    const s = await connect(server.url, { token: await writer.token() });
    const session = await received(s, 'session');
    expect(session.principal).toEqual(agentRef(writer));
    expect(session.rooms.map((r: any) => r.id).sort()).toEqual([room1, room2].sort());
    expect(session.rooms.find((r: any) => r.id === room1)).toMatchObject({
      slug: 'room-one',
      last_seq: expect.any(Number),
    });

    const main = await refusal(server.url, { token: await writer.token() }, undefined, '/');
    expect(main.data.code).toBe('not_found');
  });

  it('delivers a sent message to the room, the sender included, and to no other room or org', async () => {
    const w = await connect(server.url, { token: await writer.token() });
    const r = await connect(server.url, { token: await reader.token() });
    const n = await connect(server.url, { token: await neighbour.token() });
    const f = await connect(server.url, { token: await foreigner.token() });

    const ack = await send(w, 'message:send', { room: room1, body: 'hello room one', client_msg_id: 'm-1' });
    expect(ack).toMatchObject({
      ok: true,
      duplicate: false,
      message: { room_id: room1, body: 'hello room one', sender: agentRef(writer), client_msg_id: 'm-1' },
    });
    const id = ack.message.id;
    expect((await received(r, 'message:new', (m) => m.id === id)).seq).toBe(ack.message.seq);
    await received(w, 'message:new', (m) => m.id === id);

    // Later messages each observer does get: had room one's reached them, it would have come first.
    const toRoom2 = await send(w, 'message:send', { room: room2, body: 'to room two', client_msg_id: 'm-2' });
    await received(n, 'message:new', (m) => m.id === toRoom2.message.id);
    const foreign = await send(f, 'message:send', {
      room: foreignRoom,
      body: 'elsewhere',
      client_msg_id: 'm-1',
    });
    expect(foreign.ok).toBe(true);
    await received(f, 'message:new', (m) => m.id === foreign.message.id);
    expect(n.seen['message:new']?.map((m) => m.id)).toEqual([toRoom2.message.id]);
    expect(f.seen['message:new']?.map((m) => m.id)).toEqual([foreign.message.id]);
    expect(r.seen['message:new']?.map((m) => m.id)).toEqual([id]);
  });

  it('stores and broadcasts a retried message once: the same client_msg_id answers duplicate', async () => {
    const w = await connect(server.url, { token: await writer.token() });
    const r = await connect(server.url, { token: await reader.token() });
    const first = await send(w, 'message:send', { room: room1, body: 'only once', client_msg_id: 'retry-1' });
    const again = await send(w, 'message:send', { room: room1, body: 'only once', client_msg_id: 'retry-1' });
    expect(first).toMatchObject({ ok: true, duplicate: false });
    expect(again).toMatchObject({
      ok: true,
      duplicate: true,
      message: { id: first.message.id, seq: first.message.seq },
    });

    const after = await send(w, 'message:send', { room: room1, body: 'next', client_msg_id: 'retry-2' });
    await received(r, 'message:new', (m) => m.id === after.message.id);
    expect(r.seen['message:new']?.filter((m) => m.id === first.message.id)).toHaveLength(1);
    const history = await api.get(`/v1/rooms/${room1}/messages?after_seq=${first.message.seq - 1}`, admin);
    expect(history.body.items.filter((m: any) => m.client_msg_id === 'retry-1')).toHaveLength(1);
  });

  it('replays what was posted over HTTP while away, in seq order, on reconnect and on room:resume', async () => {
    const first = await connect(server.url, { token: await reader.token() });
    const seenUpTo = (await received(first, 'session')).rooms.find((r: any) => r.id === room1).last_seq;
    first.disconnect();

    const posted: string[] = [];
    for (const body of ['while away 1', 'while away 2', 'while away 3']) {
      const r = await api.post(`/v1/rooms/${room1}/messages`, { body }, admin);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      posted.push(r.body.id);
    }

    const back = await connect(server.url, { token: await reader.token(), resume: { [room1]: seenUpTo } });
    await received(back, 'message:new', (m) => m.id === posted[2]);
    const replayed = back.seen['message:new'] ?? [];
    expect(replayed.map((m) => m.id)).toEqual(posted);
    expect(replayed.map((m) => m.seq)).toEqual([...replayed.map((m) => m.seq)].sort((a, b) => a - b));
    expect(back.seen['replay:truncated']).toBeUndefined();

    const again = await send(back, 'room:resume', { room: room1, after_seq: seenUpTo });
    expect(again).toEqual({ ok: true, replayed: 3, truncated: false });
    expect((back.seen['message:new'] ?? []).slice(3).map((m) => m.id)).toEqual(posted);
  });

  it('refuses what the agent may not do, with nothing stored or broadcast', async () => {
    const w = await connect(server.url, { token: await writer.token() });
    const r = await connect(server.url, { token: await reader.token() });
    const o = await connect(server.url, { token: await outsider.token() });
    const before = await lastSeq(room1);

    const noWrite = await send(r, 'message:send', { room: room1, body: 'denied', client_msg_id: 'x-1' });
    expect(noWrite).toMatchObject({
      ok: false,
      error: { code: 'forbidden', message: expect.stringContaining('data_write') },
    });
    const notMember = await send(o, 'message:send', { room: room1, body: 'denied', client_msg_id: 'x-2' });
    expect(notMember).toMatchObject({ ok: false, error: { code: 'not_a_member' } });
    const otherOrg = await send(w, 'message:send', {
      room: foreignRoom,
      body: 'denied',
      client_msg_id: 'x-3',
    });
    expect(otherOrg).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const join = await send(w, 'room:join', { room: foreignRoom });
    expect(join).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const resume = await send(w, 'room:resume', { room: foreignRoom, after_seq: 0 });
    expect(resume).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await lastSeq(room1)).toBe(before);

    const sentinel = await send(w, 'message:send', { room: room1, body: 'allowed', client_msg_id: 'x-4' });
    await received(r, 'message:new', (m) => m.id === sentinel.message.id);
    expect(r.seen['message:new']?.map((m) => m.body)).toEqual(['allowed']);
    expect(o.seen['message:new']).toBeUndefined();
  });

  it('refuses a malformed payload with invalid_payload and stores nothing', async () => {
    const w = await connect(server.url, { token: await writer.token() });
    const before = await lastSeq(room1);
    const malformed = [
      { room: room1, body: 'no client_msg_id' },
      { room: 'room-one', body: 'a slug is not an id', client_msg_id: 'p-1' },
      { room: room1, body: 42, client_msg_id: 'p-2' },
      { room: room1, body: '', client_msg_id: 'p-3' },
      { room: room1, body: 'bad key', client_msg_id: 'has spaces' },
      'just a string',
    ];
    for (const payload of malformed) {
      const ack = await send(w, 'message:send', payload);
      expect(ack, JSON.stringify(payload)).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    }
    expect(await send(w, 'message:send')).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    expect(await send(w, 'message:explode', { room: room1 })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', message: expect.stringContaining('message:explode') },
    });
    expect(await send(w, 'typing', { room: room1, typing: 'yes' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
    expect(await lastSeq(room1)).toBe(before);
    expect(w.connected).toBe(true);
  });

  it('refuses a body over the limit, and closes a socket whose packet is over the transport limit', async () => {
    const w = await connect(server.url, { token: await writer.token() });
    const before = await lastSeq(room1);
    const big = await send(w, 'message:send', {
      room: room1,
      body: 'x'.repeat(MAX_MESSAGE_BYTES + 1),
      client_msg_id: 'big-1',
    });
    expect(big).toMatchObject({ ok: false, error: { code: 'message_too_large' } });
    // Multi-byte characters count as bytes, not characters.
    const wide = await send(w, 'message:send', {
      room: room1,
      body: 'é'.repeat(MAX_MESSAGE_BYTES / 2 + 1),
      client_msg_id: 'big-2',
    });
    expect(wide).toMatchObject({ ok: false, error: { code: 'message_too_large' } });

    const gone = disconnected(w);
    w.emit('message:send', {
      room: room1,
      body: 'x'.repeat(MAX_MESSAGE_BYTES + 65 * 1024),
      client_msg_id: 'big-3',
    });
    expect(await gone).toBe('transport close');
    expect(await lastSeq(room1)).toBe(before);
  });

  it('answers rate_limited beyond the event rate, and disconnects a socket over it three seconds in a row', async () => {
    const w = await connect(server.url, { token: await writer.token() });
    const gone = disconnected(w);
    const acks: any[] = [];
    let open = true;
    void gone.then(() => {
      open = false;
    });
    // About 4 times the limit, for as long as the socket lasts.
    for (let i = 0; open && i < 2000; i++) {
      if (i % 10 === 9) w.emit('typing', { room: room1, typing: true });
      else w.emit('typing', { room: room1, typing: true }, (ack: any) => acks.push(ack));
      await sleep(1000 / (EVENTS_PER_SECOND * 4));
    }
    expect(await gone).toBe('io server disconnect');
    expect(acks.filter((a) => a.ok).length).toBeGreaterThan(0);
    expect(acks.filter((a) => !a.ok)[0]).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(w.seen.error?.[0]).toMatchObject({ code: 'rate_limited' });
  });

  it('announces presence on join, leave and disconnect, and answers who is present', async () => {
    const about = (who: TestClient, status: string) => (p: any) =>
      p.room === room1 && p.principal.id === who.agentId && p.status === status;
    const w = await connect(server.url, { token: await writer.token() });
    const presentNow = async () => ids((await send(w, 'room:present', { room: room1 })).present);
    await received(w, 'presence:update', about(writer, 'online'));
    let from = mark(w, 'presence:update');
    const r = await connect(server.url, { token: await reader.token() });
    const online = await received(w, 'presence:update', about(reader, 'online'), from);
    // Who came, not the whole list: that is room:join's and room:present's.
    expect(online).toEqual({ room: room1, principal: agentRef(reader), status: 'online' });
    expect(await presentNow()).toEqual([writer.agentId, reader.agentId].sort());

    from = mark(w, 'presence:update');
    expect(await send(r, 'room:leave', { room: room1 })).toEqual({ ok: true });
    await received(w, 'presence:update', about(reader, 'offline'), from);
    expect(await presentNow()).toEqual([writer.agentId]);
    // Only from the feed: the reader left it.
    expect(await send(r, 'room:present', { room: room1 })).toMatchObject({
      ok: false,
      error: { code: 'not_a_member' },
    });
    // Membership stays: joining the feed again needs no invitation.
    from = mark(w, 'presence:update');
    const join = await send(r, 'room:join', { room: room1 });
    expect(join).toMatchObject({ ok: true, room: { id: room1, my_role: 'member' } });
    expect(ids(join.present)).toEqual([writer.agentId, reader.agentId].sort());
    await received(w, 'presence:update', about(reader, 'online'), from);

    from = mark(w, 'presence:update');
    r.disconnect();
    await received(w, 'presence:update', about(reader, 'offline'), from);
    expect(await presentNow()).toEqual([writer.agentId]);
  });

  it("goes offline with a principal's last socket, not with one of several", async () => {
    const about = (status: string) => (p: any) =>
      p.room === room1 && p.principal.id === reader.agentId && p.status === status;
    const w = await connect(server.url, { token: await writer.token() });
    const r1 = await connect(server.url, { token: await reader.token() });
    await received(w, 'presence:update', about('online'));
    const r2 = await connect(server.url, { token: await reader.token() });
    expect(await send(r2, 'room:join', { room: room1 })).toMatchObject({ ok: true });
    const from = mark(w, 'presence:update');
    r1.disconnect();
    // Still present through r2: whatever r1's going announced would come before r2's.
    await sleep(300);
    r2.disconnect();
    await received(w, 'presence:update', about('offline'), from);
    expect(ids((await send(w, 'room:present', { room: room1 })).present)).toEqual([writer.agentId]);
    await sleep(200);
    const offline = (w.seen['presence:update'] ?? []).slice(from).filter(about('offline'));
    expect(offline).toHaveLength(1);
    w.disconnect();
  });

  it('relays typing to the others in the room, not to the typist, and only from the feed', async () => {
    const w = await connect(server.url, { token: await writer.token() });
    const r = await connect(server.url, { token: await reader.token() });
    const n = await connect(server.url, { token: await neighbour.token() });
    expect(await send(w, 'typing', { room: room1, typing: true })).toEqual({ ok: true });
    expect(await received(r, 'typing')).toEqual({ room: room1, principal: agentRef(writer), typing: true });
    // The typist's own copy would have come before its ack.
    expect(w.seen.typing).toBeUndefined();
    expect(await send(n, 'typing', { room: room1, typing: true })).toMatchObject({
      ok: false,
      error: { code: 'not_a_member' },
    });
  });

  it('delivers an HTTP POST to the sockets exactly like a socket send, and counts both', async () => {
    const r = await connect(server.url, { token: await reader.token() });
    const posted = await api.post(
      `/v1/rooms/${room1}/messages`,
      { body: 'over http', client_msg_id: 'h-1' },
      admin,
    );
    expect(posted.status, JSON.stringify(posted.body)).toBe(201);
    expect(await received(r, 'message:new', (m) => m.id === posted.body.id)).toEqual(posted.body);

    const edited = await api.patch(
      `/v1/rooms/${room1}/messages/${posted.body.id}`,
      { body: 'edited' },
      admin,
    );
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(await received(r, 'message:updated', (m) => m.id === posted.body.id)).toMatchObject({
      body: 'edited',
    });
    const deleted = await api.del(`/v1/rooms/${room1}/messages/${posted.body.id}`, admin);
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    expect(await received(r, 'message:deleted', (m) => m.id === posted.body.id)).toMatchObject({
      body: '',
      deleted_at: expect.any(String),
    });

    const metrics = (await api.get('/metrics')).body as string;
    const value = (line: RegExp) => Number(metrics.match(line)?.[1] ?? Number.NaN);
    expect(value(/^gatehouse_hub_messages_total\{via="http"\} (\d+)$/m)).toBeGreaterThan(0);
    expect(value(/^gatehouse_hub_messages_total\{via="socket"\} (\d+)$/m)).toBeGreaterThan(0);
    expect(value(/^gatehouse_hub_sockets (\d+)$/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^gatehouse_hub_active_rooms (\d+)$/m)).toBeGreaterThanOrEqual(1);
    expect(metrics).toMatch(/^gatehouse_hub_event_duration_seconds_count\{event="message:send"\} \d+$/m);
  });

  it('edits and deletes over the socket, broadcast to the room', async () => {
    const w = await connect(server.url, { token: await writer.token() });
    const r = await connect(server.url, { token: await reader.token() });
    const sent = await send(w, 'message:send', { room: room1, body: 'draft', client_msg_id: 'e-1' });
    const edit = await send(w, 'message:edit', { room: room1, id: sent.message.id, body: 'final' });
    expect(edit).toMatchObject({
      ok: true,
      message: { id: sent.message.id, body: 'final', edited_at: expect.any(String) },
    });
    expect(await received(r, 'message:updated', (m) => m.id === sent.message.id)).toMatchObject({
      body: 'final',
    });
    const notMine = await send(r, 'message:delete', { room: room1, id: sent.message.id });
    expect(notMine).toMatchObject({ ok: false });
    const del = await send(w, 'message:delete', { room: room1, id: sent.message.id });
    expect(del).toMatchObject({
      ok: true,
      message: { id: sent.message.id, body: '', deleted_at: expect.any(String) },
    });
    expect(await received(r, 'message:deleted', (m) => m.id === sent.message.id)).toMatchObject({ body: '' });
  });

  it("moves a member's sockets into and out of a room's feed as its membership changes", async () => {
    const w = await connect(server.url, { token: await writer.token() });
    const n = await connect(server.url, { token: await neighbour.token() });
    const added = await api.call('PUT', `/v1/rooms/${room1}/members/${neighbour.agentId}`, {
      token: admin,
      body: { role: 'member' },
    });
    expect(added.status, JSON.stringify(added.body)).toBeLessThan(300);
    await received(
      w,
      'presence:update',
      (p) => p.room === room1 && p.principal.id === neighbour.agentId && p.status === 'online',
    );
    const inside = await send(w, 'message:send', { room: room1, body: 'welcome', client_msg_id: 'mv-1' });
    await received(n, 'message:new', (m) => m.id === inside.message.id);

    const removed = await api.del(`/v1/rooms/${room1}/members/${neighbour.agentId}`, admin);
    expect(removed.status, JSON.stringify(removed.body)).toBe(204);
    await received(
      w,
      'presence:update',
      (p) => p.room === room1 && p.principal.id === neighbour.agentId && p.status === 'offline',
    );
    const outside = await send(w, 'message:send', { room: room1, body: 'gone', client_msg_id: 'mv-2' });
    const sentinel = await send(w, 'message:send', {
      room: room2,
      body: 'still here',
      client_msg_id: 'mv-3',
    });
    await received(n, 'message:new', (m) => m.id === sentinel.message.id);
    expect(n.seen['message:new']?.map((m) => m.id)).not.toContain(outside.message.id);
  });

  it('disconnects a socket that does not read, without holding back the others', async () => {
    const slowAgent = await orgFixture(api, admin, 'hub-slow').then((o) => o.agent(['data_read']));
    const put = await api.call('PUT', `/v1/rooms/${room1}/members/${slowAgent.agentId}`, {
      token: admin,
      body: { role: 'member' },
    });
    expect(put.status, JSON.stringify(put.body)).toBeLessThan(300);
    const w = await connect(server.url, { token: await writer.token() });

    // A long-polling client that connects, then stops polling: what is sent to it piles up.
    const base = `${server.url}/socket.io/?EIO=4&transport=polling`;
    const open = await (await fetch(base)).text();
    const sid = JSON.parse(open.slice(open.indexOf('{'))).sid as string;
    const auth = await fetch(`${base}&sid=${sid}`, {
      method: 'POST',
      body: `40/agents,${JSON.stringify({ token: await slowAgent.token() })}`,
    });
    expect(auth.status).toBe(200);
    await received(
      w,
      'presence:update',
      (p) => p.principal.id === slowAgent.agentId && p.status === 'online',
    );

    const posted: string[] = [];
    for (let i = 0; i < MAX_BUFFERED + 5; i++) {
      const r = await api.post(`/v1/rooms/${room1}/messages`, { body: `flood ${i}` }, admin);
      expect(r.status).toBe(201);
      posted.push(r.body.id);
    }
    await received(
      w,
      'presence:update',
      (p) => p.principal.id === slowAgent.agentId && p.status === 'offline',
    );
    await received(w, 'message:new', (m) => m.id === posted.at(-1));
    expect(w.seen['message:new']?.filter((m) => posted.includes(m.id))).toHaveLength(posted.length);
    const poll = await fetch(`${base}&sid=${sid}`);
    expect(poll.status).toBe(400);
  });
});

describe('hub socket over time', () => {
  const clock = manualClock();
  let server: TestServer;
  let api: Api;
  let admin: string;
  let agent: TestClient;
  let other: TestClient;
  let room: string;
  const TOKEN_TTL = 900;

  beforeAll(async () => {
    server = await startTestServer({
      clock,
      hubHeartbeat: { intervalMs: 400, timeoutMs: 400 },
      env: { GATEHOUSE_SESSION_TTL_SECONDS: '600' },
    });
    api = client(server);
    admin = await api.login(server.admin.email, server.admin.password);
    const org = await orgFixture(api, admin, 'hub-time');
    agent = await org.agent(['data_read', 'data_write']);
    other = await org.agent(['data_read', 'data_write']);
    room = await org.room('timed', [agent, other]);
  });
  afterAll(() => server?.close());

  it('refuses an expired token at the handshake', async () => {
    const token = await agent.token();
    clock.advance((TOKEN_TTL + 60) * 1000);
    expect((await refusal(server.url, { token })).data.code).toBe('invalid_token');
  });

  it("ends a socket at its token's exp, and a person's at the session's end: auth:expired, then a server disconnect", async () => {
    const token = await agent.token();
    clock.advance((TOKEN_TTL - 1) * 1000);
    const s = await connect(server.url, { token });
    expect(await disconnected(s)).toBe('io server disconnect');
    expect(s.seen['auth:expired']?.[0]).toMatchObject({ code: 'invalid_token' });

    const session = await api.login(server.admin.email, server.admin.password);
    clock.advance(599 * 1000);
    const person = await connect(server.url, { token: session });
    expect(await disconnected(person)).toBe('io server disconnect');
    expect(person.seen['auth:expired']).toHaveLength(1);
  });

  it('keeps a socket past the old exp after auth:refresh with a token of the same agent, and refuses any other', async () => {
    const token = await agent.token();
    clock.advance((TOKEN_TTL - 3) * 1000);
    // Issued before connecting: the refresh must land within the old token's last seconds.
    const fresh = await agent.token();
    const another = await other.token();
    const s = await connect(server.url, { token });
    const refreshed = await send(s, 'auth:refresh', { token: fresh });
    expect(refreshed).toEqual({ ok: true, expires_at: expect.any(String) });
    expect(Date.parse(refreshed.expires_at)).toBeGreaterThan(clock.now().getTime() + 60_000);
    expect(await send(s, 'auth:refresh', { token: another })).toMatchObject({
      ok: false,
      error: { code: 'wrong_principal' },
    });
    expect(await send(s, 'auth:refresh', { token: 'garbage' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_token' },
    });

    // Past the first token's exp, in real time: the socket still acts.
    await sleep(4_000);
    const ack = await send(s, 'message:send', { room, body: 'still here', client_msg_id: 'r-1' });
    expect(ack).toMatchObject({ ok: true });
    expect(s.seen['auth:expired']).toBeUndefined();
    expect(s.connected).toBe(true);
  });

  it('announces offline when a connection misses its heartbeat', async () => {
    const watcher = await connect(server.url, { token: await other.token() });
    // A raw socket.io client that authenticates, then never answers a ping.
    const token = await agent.token();
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    ws.on('message', (data) => {
      if (data.toString().startsWith('0')) ws.send(`40/agents,${JSON.stringify({ token })}`);
    });
    try {
      await received(
        watcher,
        'presence:update',
        (p) => p.principal.id === agent.agentId && p.status === 'online',
      );
      await received(
        watcher,
        'presence:update',
        (p) => p.principal.id === agent.agentId && p.status === 'offline',
      );
      expect(ids((await send(watcher, 'room:present', { room })).present)).toEqual([other.agentId]);
    } finally {
      ws.terminate();
    }
  });
});
