import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './cli-fixture.js';
import { client } from './client.js';
import { connect, ids, received } from './hub-fixture.js';
import { clientBuilder, type TestClient } from './oauth-fixture.js';

/**
 * Two `gatehouse start` processes on one PostgreSQL and one Redis, a socket on each: what is
 * stored on one node reaches the other's sockets through the Redis adapter, and presence counts
 * both. Needs both engines (two processes cannot share the embedded database).
 */
const engines = Boolean(process.env.REDIS_URL && process.env.DATABASE_URL);
const ADMIN = { email: 'hub-cluster@example.com', password: 'hub cluster password 1' };

describe.runIf(engines)('the hub across two nodes', () => {
  const { startNode } = cli('hub-cluster', () => ({
    REDIS_URL: process.env.REDIS_URL as string,
    GATEHOUSE_REDIS_PREFIX: `gh:test:${randomBytes(4).toString('hex')}:`,
    // One issuer for both nodes, so a token from one is good on the other.
    GATEHOUSE_ISSUER: 'http://gatehouse.test',
    GATEHOUSE_ADMIN_EMAIL: ADMIN.email,
    GATEHOUSE_ADMIN_PASSWORD: ADMIN.password,
  }));
  type Node = Awaited<ReturnType<typeof startNode>>;
  let nodes: Node[] = [];
  let apis: ReturnType<typeof client>[];
  let admin: string;
  let alice: TestClient;
  let bob: TestClient;
  let room: string;

  beforeAll(async () => {
    // One after the other: the first migrates and bootstraps, the second finds it done.
    nodes = [await startNode(), await startNode()];
    apis = nodes.map((n) => client(n));
    const a = apis[0] as ReturnType<typeof client>;
    admin = await a.login(ADMIN.email, ADMIN.password);
    const newClient = clientBuilder(a, admin, 'cluster-agent');
    const agent = async () => {
      const c = await newClient();
      for (const capability of ['data_read', 'data_write'])
        expect((await a.post(`/v1/agents/${c.agentId}/skills`, { capability }, admin)).status).toBeLessThan(
          300,
        );
      return c;
    };
    alice = await agent();
    bob = await agent();
    const created = await a.post('/v1/rooms', { slug: 'across', name: 'Across nodes' }, admin);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    room = created.body.id;
    for (const m of [alice, bob]) {
      const put = await a.call('PUT', `/v1/rooms/${room}/members/${m.agentId}`, {
        token: admin,
        body: { role: 'member' },
      });
      expect(put.status, JSON.stringify(put.body)).toBeLessThan(300);
    }
  }, 180_000);
  afterAll(async () => {
    for (const node of nodes) await node.stop();
  });

  it('delivers a socket message from A to B and an HTTP post on B to A, with presence over both', async () => {
    const [nodeA, nodeB] = nodes as [Node, Node];
    const onA = await connect(nodeA.url, { token: await alice.token() });
    await received(onA, 'presence:update', (p) => p.principal.id === alice.agentId && p.status === 'online');
    const onB = await connect(nodeB.url, { token: await bob.token() });
    // One that asks for batches: a flush crosses nodes once, and B hands it to both kinds.
    const batchingOnB = await connect(nodeB.url, { token: await bob.token(), batch: true });

    // B's arrival is announced on A, and A counts both present: presence spans both nodes.
    await received(
      onA,
      'presence:update',
      (p) => p.room === room && p.principal.id === bob.agentId && p.status === 'online',
    );
    const presentOnA = async () =>
      ids((await onA.timeout(10_000).emitWithAck('room:present', { room })).present);
    expect(await presentOnA()).toEqual([alice.agentId, bob.agentId].sort());

    const sent = await onA.timeout(10_000).emitWithAck('message:send', {
      room,
      body: 'from node A',
      client_msg_id: 'across-1',
    });
    expect(sent).toMatchObject({ ok: true, duplicate: false });
    expect(await received(onB, 'message:new', (m) => m.id === sent.message.id)).toMatchObject({
      body: 'from node A',
      sender: { type: 'agent', id: alice.agentId },
    });
    const batch = await received(batchingOnB, 'message:batch', (b) =>
      b.some((e: any) => e.message.id === sent.message.id),
    );
    expect(batch.find((e: any) => e.message.id === sent.message.id)).toEqual({
      type: 'message:new',
      message: sent.message,
    });
    batchingOnB.disconnect();

    const posted = await (apis[1] as ReturnType<typeof client>).post(
      `/v1/rooms/${room}/messages`,
      { body: 'over HTTP on node B' },
      admin,
    );
    expect(posted.status, JSON.stringify(posted.body)).toBe(201);
    expect(await received(onA, 'message:new', (m) => m.id === posted.body.id)).toEqual(posted.body);

    const typing = await onB.timeout(10_000).emitWithAck('typing', { room, typing: true });
    expect(typing).toEqual({ ok: true });
    expect(await received(onA, 'typing', () => true)).toEqual({
      room,
      principal: { type: 'agent', id: bob.agentId },
      typing: true,
    });

    onB.disconnect();
    await received(
      onA,
      'presence:update',
      (p) => p.room === room && p.principal.id === bob.agentId && p.status === 'offline',
    );
    expect(await presentOnA()).toEqual([alice.agentId]);
  });

  it("moves a new member's socket on the other node into the room's feed", async () => {
    const [nodeA, nodeB] = nodes as [Node, Node];
    const a = apis[0] as ReturnType<typeof client>;
    const carol = await clientBuilder(a, admin, 'cluster-late')();
    expect(
      (await a.post(`/v1/agents/${carol.agentId}/skills`, { capability: 'data_read' }, admin)).status,
    ).toBeLessThan(300);
    const onA = await connect(nodeA.url, { token: await alice.token() });
    const onB = await connect(nodeB.url, { token: await carol.token() });
    // Added on node A while the socket sits on node B.
    const put = await a.call('PUT', `/v1/rooms/${room}/members/${carol.agentId}`, {
      token: admin,
      body: { role: 'read_only' },
    });
    expect(put.status, JSON.stringify(put.body)).toBeLessThan(300);
    await received(
      onA,
      'presence:update',
      (p) => p.room === room && p.principal.id === carol.agentId && p.status === 'online',
    );
    const sent = await onA.timeout(10_000).emitWithAck('message:send', {
      room,
      body: 'welcome, carol',
      client_msg_id: 'across-2',
    });
    expect(sent.ok).toBe(true);
    await received(onB, 'message:new', (m) => m.id === sent.message.id);
  });

  it('holds a role change made on one node at the next send on the other, though each caches the check', async () => {
    const [nodeA] = nodes as [Node, Node];
    const b = apis[1] as ReturnType<typeof client>;
    const onA = await connect(nodeA.url, { token: await alice.token() });
    let n = 0;
    const say = () =>
      onA.timeout(10_000).emitWithAck('message:send', { room, body: 'hello', client_msg_id: `role-${n++}` });
    const role = async (r: string) => {
      const put = await b.call('PUT', `/v1/rooms/${room}/members/${alice.agentId}`, {
        token: admin,
        body: { role: r },
      });
      expect(put.status, JSON.stringify(put.body)).toBeLessThan(300);
    };
    /** The first answer that matches within 2 s: node B's change reaches A over Redis pub/sub. */
    const eventually = async (match: (a: any) => boolean) => {
      const end = Date.now() + 2_000;
      for (;;) {
        const answer = await say();
        if (match(answer) || Date.now() > end) return answer;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    expect(await say()).toMatchObject({ ok: true });
    await role('read_only');
    expect(await eventually((a) => !a.ok)).toMatchObject({ ok: false, error: { code: 'read_only' } });
    await role('member');
    expect(await eventually((a) => a.ok)).toMatchObject({ ok: true });
  });
});
