// The SDK's rooms client against a real Gatehouse: two agents talking, a send whose ack is lost
// stored once, a resume after a reconnection, a token refreshed past its expiry on a live
// connection, and the server's refusals as RoomsError codes.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/harness.js';
import {
  AgentClient,
  connectRooms,
  type RoomMessage,
  type RoomsClient,
  RoomsError,
  type RoomsEvents,
} from '../src/index.js';
import { agentFixture } from './agent-fixture.js';

let server: TestServer;
let fx: Awaited<ReturnType<typeof agentFixture>>;
let adminToken: string;
let room: string;
let privateRoom: string;
const open: RoomsClient[] = [];

/** An agent with the capabilities to read (`data_read`) and post (`data_write`) in rooms, and its client. */
async function roomAgent(name: string, opts: { ttl?: number; capabilities?: string[] } = {}) {
  const id = await fx.agent(name, opts.ttl ? { token_ttl_seconds: opts.ttl } : {});
  for (const capability of opts.capabilities ?? ['data_read', 'data_write']) {
    const r = await fx.api.post(`/v1/agents/${id}/skills`, { capability }, adminToken);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  }
  const cred = await fx.credential(id);
  const client = new AgentClient({
    issuer: server.url,
    clientId: cred.client_id,
    auth: { type: 'client_secret', secret: cred.client_secret },
  });
  return { id, client };
}

async function connect(agent: { client: AgentClient }, options = {}): Promise<RoomsClient> {
  const rooms = await agent.client.rooms(options);
  open.push(rooms);
  return rooms;
}

/** Every payload of `event` the client delivers in `inRoom` (every room for null), in order. */
function collect<E extends keyof RoomsEvents>(rooms: RoomsClient, event: E, inRoom: string | null = room) {
  const seen: RoomsEvents[E][] = [];
  const push = (p: RoomsEvents[E]) => void seen.push(p);
  if (inRoom === null) rooms.on(event, push);
  else rooms.on(event, inRoom, push);
  return seen;
}

/** The event names (and payloads) a client sends on its socket. */
function outgoing(rooms: RoomsClient) {
  const sent: { event: string; payload: any }[] = [];
  rooms.socket.onAnyOutgoing((event: string, payload: unknown) => sent.push({ event, payload }));
  return sent;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function createRoom(slug: string, visibility: 'public' | 'private') {
  const r = await fx.api.post('/v1/rooms', { slug, name: slug, visibility }, adminToken);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id as string;
}

beforeAll(async () => {
  server = await startTestServer();
  fx = await agentFixture(server);
  adminToken = fx.admin;
  room = await createRoom('ops', 'public');
  privateRoom = await createRoom('board', 'private');
});
afterAll(async () => {
  for (const rooms of open) rooms.close();
  await server?.close();
});

describe('rooms client', () => {
  let alice: Awaited<ReturnType<typeof roomAgent>>;
  let bob: Awaited<ReturnType<typeof roomAgent>>;

  beforeAll(async () => {
    alice = await roomAgent('alice');
    bob = await roomAgent('bob');
  });

  it('sends and receives between two agents, each message once, with presence and typing', async () => {
    const a = await connect(alice);
    const b = await connect(bob);
    expect(a.session?.principal).toEqual({ type: 'agent', id: alice.id });
    const joinedA = await a.join(room);
    expect(joinedA.room).toMatchObject({ id: room, slug: 'ops', my_role: 'member' });
    const presence = collect(a, 'presence');
    const joinedB = await b.join(room);
    expect(joinedB.present).toEqual(
      expect.arrayContaining([
        { type: 'agent', id: alice.id },
        { type: 'agent', id: bob.id },
      ]),
    );
    await expect
      .poll(() => presence.find((p) => p.principal.id === bob.id))
      .toMatchObject({ room, status: 'online' });
    expect((await a.present(room)).map((p) => p.id).sort()).toEqual([alice.id, bob.id].sort());

    const atA = collect(a, 'message');
    const atB = collect(b, 'message');
    const everywhereB: RoomMessage[] = [];
    b.on('message', (m) => everywhereB.push(m));
    const sent = await a.send(room, 'hello bob', { data: { n: 1 } });
    expect(sent.duplicate).toBe(false);
    expect(sent.message).toMatchObject({
      room_id: room,
      body: 'hello bob',
      data: { n: 1 },
      sender: { type: 'agent', id: alice.id },
    });
    await expect.poll(() => atB.length).toBe(1);
    expect(atB[0]).toEqual(sent.message);
    expect(everywhereB).toEqual([sent.message]);

    const reply = await b.send(room, 'hi alice', { replyTo: sent.message.id });
    expect(reply.message).toMatchObject({ reply_to: sent.message.id, seq: sent.message.seq + 1 });
    // Alice gets both, her own included, each once: the second arriving means the first did too.
    await expect.poll(() => atA.map((m) => m.id)).toEqual([sent.message.id, reply.message.id]);
    expect(a.lastSeq(room)).toBe(reply.message.seq);

    const typing = collect(a, 'typing');
    await b.typing(room);
    await expect
      .poll(() => typing)
      .toEqual([{ room, principal: { type: 'agent', id: bob.id }, typing: true }]);

    const history = await a.history(room);
    expect(history.items.map((m) => m.id)).toEqual([sent.message.id, reply.message.id]);
    const after = await a.history(room, { afterSeq: sent.message.seq });
    expect(after.items.map((m) => m.body)).toEqual(['hi alice']);
  });

  it('sends again with the same client_msg_id when the ack is lost, and the message is stored once', async () => {
    const a = await connect(alice);
    const b = await connect(bob);
    await a.join(room);
    await b.join(room);
    const atB = collect(b, 'message');
    const sent = outgoing(a);
    let cut = false;
    a.socket.onAnyOutgoing((event: string) => {
      if (event !== 'message:send' || cut) return;
      cut = true;
      // Once the packet is written: the server gets it, and the connection is gone before its ack.
      setImmediate(() => a.socket.io.engine.close());
    });
    const disconnects = collect(a, 'disconnect', null);

    const result = await a.send(room, 'exactly once', { clientMsgId: 'retry-test-1' });
    expect(disconnects.length).toBeGreaterThan(0);
    const attempts = sent.filter((s) => s.event === 'message:send');
    expect(attempts.length).toBeGreaterThan(1);
    expect(new Set(attempts.map((s) => s.payload.client_msg_id))).toEqual(new Set(['retry-test-1']));
    expect(result.duplicate).toBe(true);
    expect(result.message).toMatchObject({ body: 'exactly once', client_msg_id: 'retry-test-1' });

    const stored = (await a.history(room, { limit: 200 })).items.filter(
      (m) => m.client_msg_id === 'retry-test-1',
    );
    expect(stored.map((m) => m.id)).toEqual([result.message.id]);
    // A message after it bounds what Bob got: the retried one came once.
    const next = await a.send(room, 'after the retry');
    await expect.poll(() => atB.some((m) => m.id === next.message.id)).toBe(true);
    expect(atB.filter((m) => m.client_msg_id === 'retry-test-1')).toHaveLength(1);
  });

  it('a generated client_msg_id differs between sends; the same one given twice stores one message', async () => {
    const a = await connect(alice);
    const sent = outgoing(a);
    const first = await a.send(room, 'one');
    const second = await a.send(room, 'two');
    const ids = sent.filter((s) => s.event === 'message:send').map((s) => s.payload.client_msg_id);
    expect(new Set(ids).size).toBe(2);
    expect(first.message.id).not.toBe(second.message.id);
    const again = await a.send(room, 'one', { clientMsgId: first.message.client_msg_id ?? '' });
    expect(again).toEqual({ message: first.message, duplicate: true });
  });

  it('resumes after a reconnection: what was missed arrives once, in order, and nothing seen before', async () => {
    const a = await connect(alice);
    const b = await connect(bob);
    await a.join(room);
    await b.join(room);
    const atA = collect(a, 'message');
    const before = await b.send(room, 'before the gap');
    await expect.poll(() => atA.map((m) => m.id)).toEqual([before.message.id]);

    a.socket.disconnect();
    const missed: RoomMessage[] = [];
    for (const body of ['missed 1', 'missed 2', 'missed 3']) missed.push((await b.send(room, body)).message);
    expect(atA).toHaveLength(1);
    const afterReconnect = outgoing(a);
    a.socket.connect();

    await expect.poll(() => atA.map((m) => m.id)).toEqual([before.message.id, ...missed.map((m) => m.id)]);
    expect(atA.map((m) => m.seq)).toEqual([...atA.map((m) => m.seq)].sort((x, y) => x - y));
    expect(a.lastSeq(room)).toBe(missed[2]?.seq);
    // Live again, on the same client.
    const live = await b.send(room, 'live again');
    await expect.poll(() => atA.at(-1)?.id).toBe(live.message.id);
    expect(new Set(atA.map((m) => m.id)).size).toBe(atA.length);
    // The replay came from the handshake's auth.resume: no room:resume was sent.
    expect(afterReconnect.filter((s) => s.event === 'room:resume')).toEqual([]);
  });

  it('hands messages on in seq order: one that overtook those before it waits for them, then goes on over a gap', async () => {
    const a = await connect(alice);
    await a.join(room);
    const atA = collect(a, 'message');
    const template = (await a.send(room, 'a template')).message;
    await expect.poll(() => atA.map((m) => m.id)).toEqual([template.id]);
    const last = template.seq;
    // As the socket would hand them over: a live message that overtook a replay, then the replay.
    const arrive = (seq: number) => {
      const m = { ...template, id: `msg_ahead${randomBytes(8).toString('hex')}`, seq };
      for (const listener of a.socket.listeners('message:new')) listener(m);
      return m;
    };
    const second = arrive(last + 2);
    expect(atA).toHaveLength(1);
    expect(a.lastSeq(room)).toBe(last);
    const first = arrive(last + 1);
    expect(atA.slice(1).map((m) => m.id)).toEqual([first.id, second.id]);
    expect(a.lastSeq(room)).toBe(last + 2);
    // last + 3 never comes: after a while the one after it goes on anyway.
    const fourth = arrive(last + 4);
    expect(atA).toHaveLength(3);
    await expect.poll(() => atA.at(-1)?.id, { timeout: 5_000 }).toBe(fourth.id);
    expect(a.lastSeq(room)).toBe(last + 4);
  });

  it('surfaces refusals as RoomsError with the server code, and does not retry them', async () => {
    await expect(connectRooms({ url: server.url, token: 'not-a-token' })).rejects.toMatchObject({
      name: 'RoomsError',
      code: 'invalid_token',
    });
    // A public room the agent has not joined: readable, but posting needs membership.
    const lobby = await createRoom('lobby', 'public');
    const a = await connect(alice);
    const sent = outgoing(a);
    const refused = await a.send(lobby, 'let me in').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RoomsError);
    expect(refused).toMatchObject({ code: 'not_a_member' });
    expect(sent.filter((s) => s.event === 'message:send')).toHaveLength(1);
    // A private room is not there for a non-member at all.
    await expect(a.send(privateRoom, 'hello?')).rejects.toMatchObject({ code: 'not_found' });
    await expect(a.join(privateRoom)).rejects.toMatchObject({ code: 'not_found' });
    await expect(a.send(room, 'x'.repeat(65_537))).rejects.toMatchObject({ code: 'message_too_large' });
    await expect(a.history(`rm_${'0'.repeat(26)}`)).rejects.toMatchObject({ code: 'not_found', status: 404 });

    // Reading is allowed, posting is not: the authorization decision's denial.
    const reader = await roomAgent('reader', { capabilities: ['data_read'] });
    const r = await connect(reader);
    await r.join(room);
    await expect(r.send(room, 'may I?')).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('closes: a send after close fails with closed', async () => {
    const a = await connect(alice);
    a.close();
    expect(a.connected).toBe(false);
    await expect(a.send(room, 'too late')).rejects.toMatchObject({ code: 'closed' });
  });
});

describe('token refresh', () => {
  it('keeps the connection past the first token’s expiry with auth:refresh', async () => {
    const agent = await roomAgent(`short-${randomBytes(3).toString('hex')}`, { ttl: 60 });
    const tokens: string[] = [];
    const rooms = await connectRooms({
      url: server.url,
      token: async () => {
        const token = await agent.client.getToken();
        tokens.push(token);
        return token;
      },
    });
    open.push(rooms);
    await rooms.join(room);
    const socketId = rooms.socket.id;
    const disconnects = collect(rooms, 'disconnect', null);
    const errors = collect(rooms, 'error', null);
    const sent = outgoing(rooms);
    const [first] = tokens;
    const exp = JSON.parse(Buffer.from(first?.split('.')[1] ?? '', 'base64url').toString()).exp * 1000;

    await sleep(exp - Date.now() + 3000);

    expect(sent.filter((s) => s.event === 'auth:refresh').length).toBeGreaterThan(0);
    expect(sent.find((s) => s.event === 'auth:refresh')?.payload.token).not.toBe(first);
    expect(disconnects).toEqual([]);
    expect(errors).toEqual([]);
    expect(rooms.socket.id).toBe(socketId);
    const after = await rooms.send(room, 'still here');
    expect(after.message.sender).toEqual({ type: 'agent', id: agent.id });
  }, 120_000);
});
