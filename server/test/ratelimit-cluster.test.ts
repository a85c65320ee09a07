import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './cli-fixture.js';
import { client } from './client.js';
import { basic, formPost } from './oauth-fixture.js';

/**
 * Two real server processes on one Redis and one PostgreSQL: one shared limit per agent, the
 * counting atomic across nodes, settings changed on one node obeyed by the other at once.
 * Needs both engines (two processes cannot share the embedded database).
 */
const engines = Boolean(process.env.REDIS_URL && process.env.DATABASE_URL);
const ADMIN = { email: 'rl-cluster@example.com', password: 'rl cluster password 1' };
const MINUTE = 60_000;

describe.runIf(engines)('rate limits across two nodes', () => {
  const { startNode } = cli('ratelimit-cluster', () => ({
    REDIS_URL: process.env.REDIS_URL as string,
    GATEHOUSE_REDIS_PREFIX: `gh:test:${randomBytes(4).toString('hex')}:`,
    // One issuer for both nodes, so a token from one is good on the other.
    GATEHOUSE_ISSUER: 'http://gatehouse.test',
    GATEHOUSE_ADMIN_EMAIL: ADMIN.email,
    GATEHOUSE_ADMIN_PASSWORD: ADMIN.password,
    GATEHOUSE_RATE_LIMIT_AGENT_RPM: '1000',
    LOG_LEVEL: 'info',
  }));
  let nodes: Awaited<ReturnType<typeof startNode>>[] = [];
  let apis: ReturnType<typeof client>[];
  let admin: string;

  beforeAll(async () => {
    // One after the other: the first migrates and bootstraps, the second finds it done.
    nodes = [await startNode(), await startNode()];
    apis = nodes.map((n) => client(n));
    admin = await (apis[0] as ReturnType<typeof client>).login(ADMIN.email, ADMIN.password);
  }, 180_000);
  afterAll(async () => {
    for (const node of nodes) await node.stop();
  });

  /** An agent able to read the agents API, and a token for it from the first node. */
  async function newAgent(name: string) {
    const [a] = apis as [ReturnType<typeof client>];
    const agent = await a.post('/v1/agents', { name, allowed_scopes: ['gatehouse:agents.read'] }, admin);
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
    const cred = await a.post(`/v1/agents/${agent.body.id}/credentials`, { type: 'client_secret' }, admin);
    const token = await formPost(
      a,
      '/oauth/token',
      { grant_type: 'client_credentials' },
      { authorization: basic(cred.body.client_id, cred.body.client_secret) },
    );
    expect(token.status, JSON.stringify(token.body)).toBe(200);
    return { id: agent.body.id as string, token: token.body.access_token as string };
  }

  /** Far enough from a window boundary that a burst stays inside one window. */
  async function awayFromBoundary() {
    const into = Date.now() % MINUTE;
    if (into > MINUTE - 15_000) await sleep(MINUTE - into + 200);
  }

  it('enforce one shared limit: of N requests spread over both nodes exactly the limit succeed', async () => {
    const [a, b] = apis as [ReturnType<typeof client>, ReturnType<typeof client>];
    const warm = await newAgent('warm-bot');
    const busy = await newAgent('busy-bot');
    // The second node caches the org's (server) default before it changes on the first.
    expect((await b.get('/v1/agents?limit=1', warm.token)).headers.get('ratelimit-limit')).toBe('1000');
    const set = await a.call('PUT', '/v1/rate-limits', { token: admin, body: { agent_rpm: 25 } });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    // The change reaches the other node by pub/sub, not by its cache's TTL.
    await expect
      .poll(async () => (await b.get(`/v1/agents/${busy.id}/rate-limit`, admin)).body.effective_rpm, {
        timeout: 5_000,
      })
      .toBe(25);

    await awayFromBoundary();
    // A few in turn first, so each node serves some whatever the scheduling: the limit is
    // shared, not split per node.
    const alternating: Awaited<ReturnType<typeof a.get>>[] = [];
    for (let i = 0; i < 10; i++)
      alternating.push(await (i % 2 ? b : a).get('/v1/agents?limit=1', busy.token));
    expect(alternating.map((r) => r.status)).toEqual(Array(10).fill(200));
    // Then a concurrent burst over both: the counting is atomic, so exactly the rest succeed.
    const burst = await Promise.all(
      Array.from({ length: 70 }, (_, i) => (i % 2 ? b : a).get('/v1/agents?limit=1', busy.token)),
    );
    const replies = [...alternating, ...burst];
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(25);
    expect(statuses.filter((s) => s === 429)).toHaveLength(55);
    for (const r of replies) expect(r.headers.get('ratelimit-limit')).toBe('25');
    const refused = replies.find((r) => r.status === 429);
    expect(refused?.body.code).toBe('rate_limited');
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0);
    // Still refused on both nodes afterwards: no count was lost.
    expect((await a.get('/v1/agents?limit=1', busy.token)).status).toBe(429);
    expect((await b.get('/v1/agents?limit=1', busy.token)).status).toBe(429);

    // One rate_limit.exceeded for the window, whichever node refused first.
    const audit = await a.get('/v1/audit?action=rate_limit.exceeded', admin);
    expect(audit.status, JSON.stringify(audit.body)).toBe(200);
    const records = audit.body.items.filter((e: { actor: { id: string } }) => e.actor.id === busy.id);
    expect(records).toHaveLength(1);
  });

  it('obey an override set on the other node at once', async () => {
    const [a, b] = apis as [ReturnType<typeof client>, ReturnType<typeof client>];
    const agent = await newAgent('override-bot');
    // Cached on the first node with the org default.
    expect((await a.get('/v1/agents?limit=1', agent.token)).headers.get('ratelimit-limit')).toBe('25');
    const put = await b.call('PUT', `/v1/agents/${agent.id}/rate-limit`, {
      token: admin,
      body: { rate_limit_rpm: 3 },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    await expect
      .poll(async () => (await a.get('/v1/agents?limit=1', agent.token)).headers.get('ratelimit-limit'), {
        timeout: 5_000,
      })
      .toBe('3');
  });
});
