import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AgentRecord, createAgentCache } from '../src/modules/agents/cache.js';
import { createMemoryStore } from '../src/platform/store/memory.js';
import { createRedisStore } from '../src/platform/store/redis.js';
import type { EphemeralStore } from '../src/platform/store/store.js';
import { useAgentsServer } from './agents-fixture.js';
import { manualClock, startTestServer } from './harness.js';

const silent = pino({ level: 'silent' });
const redisUrl = process.env.REDIS_URL;
const onPostgres = Boolean(process.env.DATABASE_URL);

/** Two nodes' stores: one shared memory store, or two Redis connections on one key space. */
function twoStores(): [EphemeralStore, EphemeralStore] {
  if (!redisUrl) {
    const shared = createMemoryStore();
    return [shared, shared];
  }
  const prefix = `gh:test:${randomBytes(4).toString('hex')}:`;
  return [createRedisStore(redisUrl, prefix, silent), createRedisStore(redisUrl, prefix, silent)];
}

describe('agent cache across nodes (unit)', () => {
  const clock = manualClock();
  const rows = new Map<string, AgentRecord>();
  const loads: string[] = [];
  const record = (orgId: string, id: string, status: AgentRecord['status'] = 'active'): AgentRecord => ({
    id,
    orgId,
    name: id,
    status,
    allowedScopes: [],
    tokenTtlSeconds: 900,
    currentVersionId: null,
  });
  const load = async (orgId: string, id: string) => {
    loads.push(id);
    return rows.get(`${orgId}/${id}`) ?? null;
  };
  const [storeA, storeB] = twoStores();
  const nodeA = createAgentCache({ store: storeA, clock, log: silent, load, ttlMs: 60_000 });
  const nodeB = createAgentCache({ store: storeB, clock, log: silent, load, ttlMs: 60_000 });
  const put = (r: AgentRecord) => rows.set(`${r.orgId}/${r.id}`, r);

  beforeAll(async () => {
    await nodeA.start();
    await nodeB.start();
  });
  afterAll(async () => {
    await Promise.all([nodeA.stop(), nodeB.stop()]);
    await Promise.all([storeA.close(), storeB.close()]);
  });

  it("a change announced by one node drops the other node's entry", async () => {
    put(record('org1', 'a1'));
    expect((await nodeA.get('org1', 'a1'))?.status).toBe('active');
    put(record('org1', 'a1', 'suspended'));
    // Still the cached copy: nothing announced the change yet.
    expect((await nodeA.get('org1', 'a1'))?.status).toBe('active');
    await nodeB.changed({ orgId: 'org1', agentId: 'a1' });
    await vi.waitFor(async () => expect((await nodeA.get('org1', 'a1'))?.status).toBe('suspended'));
  });

  it('a reload drops every entry of that org, and only of that org', async () => {
    for (const r of [record('org2', 'x'), record('org2', 'y'), record('org3', 'z')]) {
      put(r);
      await nodeA.get(r.orgId, r.id);
    }
    loads.length = 0;
    await nodeB.changed({ orgId: 'org2' });
    await vi.waitFor(async () => {
      await nodeA.get('org2', 'x');
      expect(loads).toContain('x');
    });
    await nodeA.get('org3', 'z');
    expect(loads).not.toContain('z');
  });

  it('a malformed message drops everything, and entries expire without messages', async () => {
    put(record('org4', 'm'));
    await nodeA.get('org4', 'm');
    await storeB.publish('agents.changed', 'not json');
    await vi.waitFor(() => expect(nodeA.size).toBe(0));
    await nodeA.get('org4', 'm');
    loads.length = 0;
    clock.advance(60_001);
    await nodeA.get('org4', 'm');
    expect(loads).toEqual(['m']);
  });

  it('a load that raced an invalidation does not store its stale read', async () => {
    let release: () => void = () => {};
    const slow = createAgentCache({
      store: createMemoryStore(),
      clock,
      log: silent,
      load: async (orgId, id) => {
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return record(orgId, id);
      },
    });
    const pending = slow.get('org5', 'r');
    await slow.changed({ orgId: 'org5', agentId: 'r' });
    release();
    await pending;
    expect(slow.size).toBe(0);
  });
});

describe('agent cache in a running server', () => {
  const t = useAgentsServer();

  it('a PATCH is seen at once through the cached path', async () => {
    const { agents } = t.server.runtime.services;
    const a = await t.newAgent({ name: 'hot', allowed_scopes: ['read'] });
    expect(await agents.getActive(t.orgId, a.id)).toMatchObject({
      allowedScopes: ['read'],
      tokenTtlSeconds: 900,
    });
    await t.api.patch(
      `/v1/agents/${a.id}`,
      { allowed_scopes: ['read', 'write'], token_ttl_seconds: 120 },
      t.admin,
    );
    expect(await agents.getActive(t.orgId, a.id)).toMatchObject({
      allowedScopes: ['read', 'write'],
      tokenTtlSeconds: 120,
    });
    await t.api.patch(`/v1/agents/${a.id}`, { status: 'suspended' }, t.admin);
    expect(await agents.getActive(t.orgId, a.id)).toBeNull();
    expect((await agents.getRecord(t.orgId, a.id))?.status).toBe('suspended');
    await t.api.del(`/v1/agents/${a.id}`, t.admin);
    expect((await agents.getRecord(t.orgId, a.id))?.status).toBe('archived');
  });

  it('the node subscribed at start: a message on the store drops its entry', async () => {
    const { agents } = t.server.runtime.services;
    const a = await t.newAgent();
    await agents.getRecord(t.orgId, a.id);
    expect(agents.cache.size).toBeGreaterThan(0);
    await t.server.runtime.store.publish('agents.changed', JSON.stringify({ orgId: t.orgId }));
    await vi.waitFor(() => expect(agents.cache.size).toBe(0));
  });

  it('POST /v1/admin/reload empties the cache and is audited', async () => {
    const { agents } = t.server.runtime.services;
    const a = await t.newAgent();
    await agents.getRecord(t.orgId, a.id);
    expect((await t.api.post('/v1/admin/reload', undefined, t.admin)).status).toBe(204);
    await vi.waitFor(() => expect(agents.cache.size).toBe(0));
    const audited = await t.server.runtime.db.system
      .selectFrom('audit_events')
      .select('action')
      .where('action', '=', 'agents.reloaded')
      .execute();
    expect(audited).toHaveLength(1);
  });

  // Two real nodes need a shared database and a shared Redis: PostgreSQL + Redis mode only.
  it.skipIf(!onPostgres || !redisUrl)(
    "a change through one node invalidates the other node's cache",
    async () => {
      const { database, redis } = t.server.runtime.config;
      if (database.kind !== 'postgres' || !redis) throw new Error('needs PostgreSQL and Redis');
      const second = await startTestServer({
        env: { DATABASE_URL: database.url, GATEHOUSE_REDIS_PREFIX: redis.prefix },
      });
      try {
        const a = await t.newAgent();
        const remote = second.runtime.services.agents;
        expect((await remote.getRecord(t.orgId, a.id))?.status).toBe('active');
        await t.api.patch(`/v1/agents/${a.id}`, { status: 'suspended' }, t.admin);
        // Without the message the second node would answer its cached "active" for a minute.
        await vi.waitFor(async () => expect(await remote.getActive(t.orgId, a.id)).toBeNull());
      } finally {
        await second.close();
      }
    },
  );
});
