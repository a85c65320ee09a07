import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CREDENTIALS_CHANNEL } from '../src/modules/credentials/authenticate.js';
import { createCoherentCache } from '../src/platform/store/coherent-cache.js';
import { createMemoryStore } from '../src/platform/store/memory.js';
import { useCredentialsServer } from './credentials-fixture.js';
import { manualClock, startTestServer } from './harness.js';
import { silent, twoStores } from './stores.js';

const redisUrl = process.env.REDIS_URL;
const onPostgres = Boolean(process.env.DATABASE_URL);
const channel = CREDENTIALS_CHANNEL;

describe('coherent cache across nodes (unit)', () => {
  const clock = manualClock();
  const rows = new Map<string, string>();
  const loads: string[] = [];
  const load = async (key: string) => {
    loads.push(key);
    return rows.get(key) ?? null;
  };
  const [storeA, storeB] = twoStores();
  const nodeA = createCoherentCache({ store: storeA, channel, clock, log: silent, load, ttlMs: 60_000 });
  const nodeB = createCoherentCache({ store: storeB, channel, clock, log: silent, load, ttlMs: 60_000 });

  beforeAll(async () => {
    await nodeA.start();
    await nodeB.start();
  });
  afterAll(async () => {
    await Promise.all([nodeA.stop(), nodeB.stop()]);
    await Promise.all([storeA.close(), storeB.close()]);
  });

  it('a change announced by one node drops that key, and only that key, on the other', async () => {
    rows.set('client:a', 'v1');
    rows.set('client:b', 'v1');
    await nodeA.get('client:a');
    await nodeA.get('client:b');
    rows.set('client:a', 'v2');
    expect(await nodeA.get('client:a')).toBe('v1');
    await nodeB.changed(['client:a', 'id:org/x']);
    await vi.waitFor(async () => expect(await nodeA.get('client:a')).toBe('v2'));
    loads.length = 0;
    await nodeA.get('client:b');
    expect(loads).toEqual([]);
  });

  it('misses are not cached; entries expire without messages; a malformed message drops all', async () => {
    expect(await nodeA.get('client:new')).toBeNull();
    rows.set('client:new', 'created');
    expect(await nodeA.get('client:new')).toBe('created');
    loads.length = 0;
    clock.advance(60_001);
    await nodeA.get('client:new');
    expect(loads).toEqual(['client:new']);
    await storeB.publish(channel, '{"not":"a list"}');
    await vi.waitFor(() => expect(nodeA.size).toBe(0));
  });

  it('a load that raced an invalidation does not store its stale read', async () => {
    let release: () => void = () => {};
    const slow = createCoherentCache({
      store: createMemoryStore(),
      channel,
      clock,
      log: silent,
      load: async (key) => {
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return key;
      },
    });
    const pending = slow.get('client:r');
    await slow.changed(['client:r']);
    release();
    await pending;
    expect(slow.size).toBe(0);
  });

  it('stays within its bound, dropping the oldest entry', async () => {
    const small = createCoherentCache({
      store: createMemoryStore(),
      channel,
      clock,
      log: silent,
      load,
      maxEntries: 2,
    });
    for (const k of ['p1', 'p2', 'p3']) {
      rows.set(k, k);
      await small.get(k);
    }
    expect(small.size).toBe(2);
    loads.length = 0;
    await small.get('p3');
    await small.get('p1');
    expect(loads).toEqual(['p1']);
  });
});

describe('credential lookups in a running server', () => {
  const t = useCredentialsServer();

  it('a warm client is authenticated without a database query', async () => {
    const { credentials } = t.services;
    const agent = await t.newAgent();
    const c = await t.issue(agent.id);
    const k = await t.issue(agent.id, { type: 'api_key' });
    expect(await credentials.authenticateSecret(c.client_id, c.client_secret)).toBeDefined();
    expect(await credentials.authenticateApiKey(k.api_key)).toBeDefined();
    expect(await credentials.isLive(t.orgId, c.id)).toBe(true);
    // The first use writes last_used_at in the background; let it land before counting.
    await vi.waitFor(async () => {
      const rows = await t.server.runtime.db.system
        .selectFrom('credentials')
        .select('last_used_at')
        .where('agent_id', '=', agent.id)
        .execute();
      expect(rows.every((r) => r.last_used_at !== null)).toBe(true);
    });

    const { db } = t.server.runtime;
    const tenant = vi.spyOn(db, 'tenant');
    const system = vi.spyOn(db.system, 'selectFrom');
    const update = vi.spyOn(db.system, 'updateTable');
    try {
      for (let i = 0; i < 50; i++) {
        expect(await credentials.authenticateSecret(c.client_id, c.client_secret)).toBeDefined();
        expect(await credentials.authenticateApiKey(k.api_key)).toBeDefined();
        expect(await credentials.isLive(t.orgId, c.id)).toBe(true);
      }
      expect(tenant).not.toHaveBeenCalled();
      expect(system).not.toHaveBeenCalled();
      expect(update).not.toHaveBeenCalled();
      // The spies do see a lookup that has to go to the database.
      await credentials.authenticateSecret('ghc_00000000000000000000000000', c.client_secret);
      expect(system).toHaveBeenCalledTimes(1);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('the node subscribed at start: a message on the store drops its entries', async () => {
    const { credentials } = t.services;
    const agent = await t.newAgent();
    const c = await t.issue(agent.id);
    await credentials.authenticateSecret(c.client_id, c.client_secret);
    expect(credentials.cache.size).toBeGreaterThan(0);
    await t.server.runtime.store.publish(CREDENTIALS_CHANNEL, 'drop everything');
    await vi.waitFor(() => expect(credentials.cache.size).toBe(0));
  });

  // Two real nodes need a shared database and a shared Redis: PostgreSQL + Redis mode only.
  it.skipIf(!onPostgres || !redisUrl)(
    "a revocation or rotation on one node reaches the other node's warm cache",
    async () => {
      const { database, redis, masterKey } = t.server.runtime.config;
      if (database.kind !== 'postgres' || !redis || !masterKey) throw new Error('needs PostgreSQL and Redis');
      // One cluster: the same database, Redis key space and master key (hence the same pepper).
      const second = await startTestServer({
        env: {
          DATABASE_URL: database.url,
          GATEHOUSE_REDIS_PREFIX: redis.prefix,
          GATEHOUSE_MASTER_KEY: masterKey.toString('base64url'),
        },
      });
      try {
        const remote = second.runtime.services.credentials;
        const agent = await t.newAgent();
        const c = await t.issue(agent.id);
        const k = await t.issue(agent.id, { type: 'api_key' });
        expect(await remote.authenticateSecret(c.client_id, c.client_secret)).toBeDefined();
        expect(await remote.authenticateApiKey(k.api_key)).toBeDefined();

        const base = `/v1/agents/${agent.id}/credentials`;
        expect((await t.api.del(`${base}/${c.id}`, t.admin)).status).toBe(204);
        const rotated = await t.api.post(`${base}/${k.id}/rotate`, { grace_seconds: 0 }, t.admin);
        expect(rotated.status).toBe(200);
        // Without the message the second node would accept both for up to a minute.
        await vi.waitFor(async () => {
          expect(await remote.authenticateSecret(c.client_id, c.client_secret)).toBeUndefined();
          expect(await remote.authenticateApiKey(k.api_key)).toBeUndefined();
        });
        expect(await remote.authenticateApiKey(rotated.body.api_key)).toBeDefined();
      } finally {
        await second.close();
      }
    },
  );
});
