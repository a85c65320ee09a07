import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './client.js';
import { startTestServer, type TestServer } from './harness.js';
import { type Client, connect, received, refusal, send } from './hub-fixture.js';
import { clientBuilder, type TestClient } from './oauth-fixture.js';

/**
 * Batches and the send path's caches (docs/hub.md, "Fan-out"): a socket that asks for batches
 * gets a flush's message events as one `message:batch`, in order; one that does not gets them one
 * by one; and a change to the room or to a member's role holds from the next send on.
 */

type Api = ReturnType<typeof client>;
/** Long enough that what follows a flush closely lands in the next one, whatever the machine. */
const FLUSH_MS = 500;

/** Every message event a socket saw, in order, whichever way it came. */
function feedOf(s: Client): { type: string; id: string; body: string }[] {
  const events: { type: string; id: string; body: string }[] = [];
  for (const batch of s.seen['message:batch'] ?? [])
    for (const e of batch) events.push({ type: e.type, id: e.message.id, body: e.message.body });
  return events;
}

/** The events of the one-by-one socket, in the order received (socket.io keeps it per connection). */
function oneByOne(s: Client): { type: string; id: string; body: string }[] {
  const order: { type: string; id: string; body: string }[] = [];
  s.onAny((event: string, m: any) => {
    if (event.startsWith('message:') && event !== 'message:batch')
      order.push({ type: event, id: m.id, body: m.body });
  });
  return order;
}

async function until(check: () => boolean, ms = 5_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('hub batches', () => {
  let server: TestServer;
  let api: Api;
  let admin: string;
  let writer: TestClient;
  let reader: TestClient;
  let room: string;

  beforeAll(async () => {
    server = await startTestServer({ env: { GATEHOUSE_HUB_FLUSH_MS: String(FLUSH_MS) } });
    api = client(server);
    admin = await api.login(server.admin.email, server.admin.password);
    const newClient = clientBuilder(api, admin, 'batch');
    const agent = async (capabilities: string[]) => {
      const c = await newClient();
      for (const capability of capabilities)
        expect((await api.post(`/v1/agents/${c.agentId}/skills`, { capability }, admin)).status).toBeLessThan(
          300,
        );
      return c;
    };
    writer = await agent(['data_read', 'data_write']);
    reader = await agent(['data_read']);
    const created = await api.post('/v1/rooms', { slug: 'batches', name: 'Batches' }, admin);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    room = created.body.id;
    for (const m of [writer, reader])
      expect(
        (
          await api.call('PUT', `/v1/rooms/${room}/members/${m.agentId}`, {
            token: admin,
            body: { role: 'member' },
          })
        ).status,
      ).toBeLessThan(300);
  });
  afterAll(() => server?.close());

  const post = async (body: string) => {
    const r = await api.post(`/v1/rooms/${room}/messages`, { body }, await writer.token());
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as { id: string; seq: number };
  };

  it('sends a flush as one message:batch, in order, to a socket that asks, and one by one to the others', async () => {
    const batching = await connect(server.url, { token: await reader.token(), batch: true });
    const plain = await connect(server.url, { token: await reader.token() });
    await received(batching, 'session');
    await received(plain, 'session');
    const plainFeed = oneByOne(plain);

    // The first after a quiet spell goes out at once; those close behind it wait for the next flush.
    const first = await post('first');
    await received(batching, 'message:batch', (b) => b.some((e: any) => e.message.id === first.id));
    const second = await post('second');
    const third = await post('third');
    const token = await writer.token();
    expect(
      (await api.patch(`/v1/rooms/${room}/messages/${second.id}`, { body: 'second, edited' }, token)).status,
    ).toBe(200);
    expect((await api.del(`/v1/rooms/${room}/messages/${third.id}`, token)).status).toBeLessThan(300);

    const expected = [
      { type: 'message:new', id: first.id, body: 'first' },
      { type: 'message:new', id: second.id, body: 'second' },
      { type: 'message:new', id: third.id, body: 'third' },
      { type: 'message:updated', id: second.id, body: 'second, edited' },
      { type: 'message:deleted', id: third.id, body: '' },
    ];
    await until(() => feedOf(batching).length >= expected.length && plainFeed.length >= expected.length);
    expect(feedOf(batching)).toEqual(expected);
    expect(plainFeed).toEqual(expected);
    // Four events in fewer packets than events; the socket that did not ask never saw a batch.
    expect(batching.seen['message:batch']?.length).toBeLessThan(expected.length);
    expect(batching.seen['message:new']).toBeUndefined();
    expect(plain.seen['message:batch']).toBeUndefined();
  });

  it('replays what a batching socket missed as batches, in seq order', async () => {
    const watcher = await connect(server.url, { token: await reader.token(), batch: true });
    await received(watcher, 'session');
    const before = (await api.get(`/v1/rooms/${room}`, admin)).body.last_seq as number;
    const missed = [await post('missed one'), await post('missed two'), await post('missed three')];
    // Flushed live before the other socket connects, so what it gets is the replay alone.
    await until(() => feedOf(watcher).some((e) => e.id === missed[2]?.id));
    const back = await connect(server.url, {
      token: await reader.token(),
      batch: true,
      resume: { [room]: before },
    });
    await until(() => feedOf(back).length >= missed.length);
    expect(feedOf(back).map((e) => e.id)).toEqual(missed.map((m) => m.id));
    expect(back.seen['message:new']).toBeUndefined();
  });

  it('refuses an auth.batch that is not a boolean', async () => {
    const refused = await refusal(server.url, { token: await reader.token(), batch: 'yes' });
    expect(refused.data.code).toBe('invalid_payload');
    expect(refused.data.message).toMatch(/auth\.batch/);
  });

  it('holds a role change, a removal and an archive from the next send on, though the check is cached', async () => {
    const w = await connect(server.url, { token: await writer.token(), batch: true });
    const say = (n: string) =>
      send(w, 'message:send', { room, body: n, client_msg_id: `cache-${n.replace(/\W/g, '-')}` });
    const role = (r: string) =>
      api.call('PUT', `/v1/rooms/${room}/members/${writer.agentId}`, { token: admin, body: { role: r } });

    expect(await say('warm')).toMatchObject({ ok: true });
    expect((await role('read_only')).status).toBeLessThan(300);
    expect(await say('as read-only')).toMatchObject({ ok: false, error: { code: 'read_only' } });
    expect((await role('member')).status).toBeLessThan(300);
    expect(await say('member again')).toMatchObject({ ok: true });

    expect((await api.del(`/v1/rooms/${room}/members/${writer.agentId}`, admin)).status).toBeLessThan(300);
    expect(await say('removed')).toMatchObject({ ok: false, error: { code: 'not_a_member' } });
    expect((await role('member')).status).toBeLessThan(300);
    expect(await say('back')).toMatchObject({ ok: true });

    expect((await api.patch(`/v1/rooms/${room}`, { archived: true }, admin)).status).toBe(200);
    expect(await say('archived')).toMatchObject({ ok: false, error: { code: 'room_archived' } });
    expect((await api.patch(`/v1/rooms/${room}`, { archived: false }, admin)).status).toBe(200);
    expect(await say('unarchived')).toMatchObject({ ok: true });
  });
});
