import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLimiter, waitMs, windowAt } from '../src/modules/ratelimit/limiter.js';
import { createMemoryStore } from '../src/platform/store/memory.js';
import { createRedisStore } from '../src/platform/store/redis.js';
import type { EphemeralStore } from '../src/platform/store/store.js';
import { client } from './client.js';
import { manualClock, startTestServer, type TestServer } from './harness.js';
import { clientBuilder, formPost, otherOrgAdmin, type TestClient } from './oauth-fixture.js';
import { silent } from './stores.js';

const REDIS_URL = process.env.REDIS_URL;
const MINUTE = 60_000;

/** The store's sliding-window step, on both stores: the contract the limiter stands on. */
describe.each([
  { name: 'memory', skip: false },
  { name: 'redis', skip: !REDIS_URL },
])('EphemeralStore.incrementWithin: $name', ({ name, skip }) => {
  let store: EphemeralStore;
  const key = () => `k:${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    if (skip) return;
    if (name === 'memory') {
      store = createMemoryStore();
      return;
    }
    store = createRedisStore(REDIS_URL as string, `gh:test:rl:${randomBytes(4).toString('hex')}:`, silent);
    for (let i = 0; i < 50; i++) {
      if (
        await store.ping().then(
          () => true,
          () => false,
        )
      )
        break;
      await sleep(100);
    }
  });
  afterAll(() => store?.close());

  it.skipIf(skip)('counts up to the limit, then refuses without counting', async () => {
    const k = key();
    const prev = { key: key(), overlapMs: MINUTE, windowMs: MINUTE };
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await store.incrementWithin(k, MINUTE, 3, prev));
    expect(seen.map((s) => [s.allowed, s.value, s.previous])).toEqual([
      [true, 1, 0],
      [true, 2, 0],
      [true, 3, 0],
      [false, 3, 0],
    ]);
    expect(seen[0]?.ttlMs).toBeGreaterThan(0);
    expect(seen[0]?.ttlMs).toBeLessThanOrEqual(MINUTE);
    // The refusal left the count alone.
    expect((await store.readCounter(k))?.value).toBe(3);
  });

  it.skipIf(skip)('weighs the previous window into the decision', async () => {
    const previous = key();
    for (let i = 0; i < 4; i++) await store.increment(previous, MINUTE);
    const current = key();
    // 4 × 0.5 = 2 of a limit of 5 taken by the previous window: 3 more fit.
    const half = { key: previous, overlapMs: 30_000, windowMs: MINUTE };
    const allowed = [];
    for (let i = 0; i < 5; i++) allowed.push((await store.incrementWithin(current, MINUTE, 5, half)).allowed);
    expect(allowed).toEqual([true, true, true, false, false]);
    // A previous window barely overlapped any more leaves (almost) the whole limit.
    const other = key();
    const late = { key: previous, overlapMs: 600, windowMs: MINUTE };
    let n = 0;
    while ((await store.incrementWithin(other, MINUTE, 5, late)).allowed) n++;
    expect(n).toBe(4);
    // A refusal for a key that never counted reports no time left on it.
    const fresh = await store.incrementWithin(key(), MINUTE, 0, half);
    expect(fresh).toEqual({ allowed: false, value: 0, previous: 4, ttlMs: 0 });
  });

  it.skipIf(skip)(
    'races: of many concurrent steps exactly the limit pass, and all of them count once',
    async () => {
      const k = key();
      const prev = { key: key(), overlapMs: 42_000, windowMs: MINUTE };
      const results = await Promise.all(
        Array.from({ length: 60 }, () => store.incrementWithin(k, MINUTE, 17, prev)),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(17);
      expect(new Set(results.filter((r) => r.allowed).map((r) => r.value)).size).toBe(17);
      expect((await store.readCounter(k))?.value).toBe(17);
    },
  );

  it.skipIf(skip)('only the step that creates the counter sets its TTL', async () => {
    const k = key();
    const prev = { key: key(), overlapMs: MINUTE, windowMs: MINUTE };
    await store.incrementWithin(k, MINUTE, 10, prev);
    const second = await store.incrementWithin(k, 1_000, 10, prev);
    expect(second.ttlMs).toBeGreaterThan(1_000);
  });
});

describe('the sliding-window limiter', () => {
  it('places a moment in its window and weighs the previous one by overlap', () => {
    expect(windowAt(90_000, MINUTE)).toEqual({ index: 1, elapsedMs: 30_000, overlapMs: 30_000 });
    expect(windowAt(120_000, MINUTE)).toEqual({ index: 2, elapsedMs: 0, overlapMs: MINUTE });
  });

  it('computes the wait until the next request fits', () => {
    // Current window full: wait for the next one, then until 9 of 10 have decayed to 9.
    expect(waitMs({ current: 10, previous: 0 }, 10, MINUTE, 0)).toBe(MINUTE + 6_000);
    // Room in this window but the previous one's share in the way: until it decays enough.
    expect(waitMs({ current: 2, previous: 10 }, 10, MINUTE, 0)).toBe(18_000);
    expect(waitMs({ current: 2, previous: 10 }, 10, MINUTE, 30_000)).toBe(0);
    // 7 × overlap ≤ 5 × 60 s: an overlap of 42 857 ms at most, so from 17 143 ms on, to the ms.
    expect(waitMs({ current: 0, previous: 7 }, 6, MINUTE, 0)).toBe(17_143);
    expect(waitMs({ current: 1, previous: 3 }, 1, MINUTE, 59_000)).toBe(1_000 + MINUTE);
  });

  it('slides: a new window does not hand back the whole limit, and Retry-After is exact', async () => {
    const clock = manualClock(new Date(Math.ceil(Date.now() / MINUTE) * MINUTE));
    const store = createMemoryStore(() => clock.now().getTime());
    const limiter = createLimiter({ store, clock });
    const policy = { limit: 10, windowMs: MINUTE };
    const results = [];
    for (let i = 0; i < 11; i++) results.push(await limiter.consume('k', policy));
    expect(results.map((r) => r.remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0]);
    expect(results.slice(0, 10).every((r) => r.allowed && r.retryAfterSeconds === 0)).toBe(true);
    const refused = results[10];
    expect(refused).toMatchObject({ allowed: false, limit: 10, retryAfterSeconds: 66, windowSeconds: 60 });
    // The quota is whole again once this window and the next have passed.
    expect(refused?.resetSeconds).toBe(120);

    // A fixed window would allow 10 again at the boundary; the sliding one allows none yet.
    clock.advance(MINUTE);
    expect((await limiter.consume('k', policy)).allowed).toBe(false);
    clock.advance(5_900);
    expect((await limiter.consume('k', policy)).allowed).toBe(false);
    clock.advance(100);
    const again = await limiter.consume('k', policy);
    expect(again).toMatchObject({ allowed: true, remaining: 0 });
    // Half the next window on, half of the previous window's count has decayed.
    clock.advance(24_000);
    let n = 0;
    while ((await limiter.consume('k', policy)).allowed) n++;
    // 10 × 0.5 + 1 = 6 spent of 10: 4 more.
    expect(n).toBe(4);
    await store.close();
  });

  it('keeps keys and window lengths apart', async () => {
    const clock = manualClock();
    const store = createMemoryStore(() => clock.now().getTime());
    const limiter = createLimiter({ store, clock });
    expect((await limiter.consume('a', { limit: 1, windowMs: MINUTE })).allowed).toBe(true);
    expect((await limiter.consume('a', { limit: 1, windowMs: MINUTE })).allowed).toBe(false);
    expect((await limiter.consume('b', { limit: 1, windowMs: MINUTE })).allowed).toBe(true);
    expect((await limiter.consume('a', { limit: 1, windowMs: 1_000 })).allowed).toBe(true);
    await store.close();
  });
});

describe('per-agent limits at the HTTP boundary', () => {
  const RPM = 5;
  // Windows start on the minute: the clock starts on one, so counts are predictable.
  const clock = manualClock(new Date(Math.ceil(Date.now() / MINUTE) * MINUTE + 1_000));
  let server: TestServer;
  let api: ReturnType<typeof client>;
  let admin: string;
  let orgId: string;
  let newClient: ReturnType<typeof clientBuilder>;
  const READ = { allowed_scopes: ['gatehouse:agents.read'], token_ttl_seconds: 86_400 };

  /** Moves the clock two windows on, to a second past a window start: no count of before weighs in. */
  const freshWindow = () => {
    const now = clock.now().getTime();
    clock.advance(Math.floor(now / MINUTE) * MINUTE + 2 * MINUTE + 1_000 - now);
  };
  const call = (token: string) => api.get('/v1/agents?limit=1', token);
  /** Calls until refused (at most `max`), returning how many were served. */
  const servedUntilRefused = async (token: string, max = 50) => {
    for (let i = 0; i < max; i++) if ((await call(token)).status !== 200) return i;
    return max;
  };
  const exceeded = () =>
    server.runtime.db.system
      .selectFrom('audit_events')
      .select(['org_id', 'actor_type', 'actor_id', 'actor_chain', 'target_id', 'outcome', 'details'])
      .where('action', '=', 'rate_limit.exceeded')
      .orderBy('seq')
      .execute();

  beforeAll(async () => {
    server = await startTestServer({ clock, env: { GATEHOUSE_RATE_LIMIT_AGENT_RPM: String(RPM) } });
    api = client(server);
    admin = await api.login(server.admin.email, server.admin.password);
    orgId = (await api.get('/v1/auth/session', admin)).body.org.id;
    newClient = clientBuilder(api, admin, 'rl');
  });
  afterAll(() => server?.close());

  it('answers 429 rate_limited with Retry-After and RateLimit-* once an agent is over its limit', async () => {
    freshWindow();
    const agent = await newClient(READ);
    const token = await agent.token();
    for (let i = 0; i < RPM; i++) {
      const r = await call(token);
      expect(r.status).toBe(200);
      expect(r.headers.get('ratelimit-limit')).toBe(String(RPM));
      expect(r.headers.get('ratelimit-remaining')).toBe(String(RPM - 1 - i));
      expect(Number(r.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
      expect(r.headers.get('ratelimit-policy')).toBe(`${RPM};w=60`);
      expect(r.headers.get('retry-after')).toBeNull();
    }
    const refused = await call(token);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(refused.headers.get('ratelimit-limit')).toBe(String(RPM));
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    // 5 spent at 1 s into the window: the next one fits once 4 of the 5 have decayed, in the
    // next window at 12 s, so 59 + 12 = 71 s from now.
    expect(refused.headers.get('retry-after')).toBe('71');
    expect(Number(refused.headers.get('ratelimit-reset'))).toBe(119);
    // Refusals are not counted: another agent route is refused the same, not later.
    expect((await api.get(`/v1/agents/${agent.agentId}/credentials`, token)).status).toBe(429);
    const records = (await exceeded()).filter((e) => e.actor_id === agent.agentId);
    // Recorded once per window, not once per refusal.
    expect(records).toEqual([
      {
        org_id: orgId,
        actor_type: 'agent',
        actor_id: agent.agentId,
        actor_chain: null,
        target_id: agent.agentId,
        outcome: 'failure',
        details: { limit: RPM, window_seconds: 60, retry_after_seconds: 71 },
      },
    ]);
  });

  it('slides: served again after Retry-After, not at the window boundary', async () => {
    freshWindow();
    const agent = await newClient(READ);
    const token = await agent.token();
    expect(await servedUntilRefused(token)).toBe(RPM);
    const retryAfter = Number((await call(token)).headers.get('retry-after'));
    clock.advance((retryAfter - 1) * 1_000);
    expect((await call(token)).status).toBe(429);
    clock.advance(1_000);
    expect((await call(token)).status).toBe(200);
    expect((await call(token)).status).toBe(429);
  });

  it('leaves other agents and user sessions alone', async () => {
    freshWindow();
    const busy = await newClient(READ);
    const calm = await newClient(READ);
    const busyToken = await busy.token();
    expect(await servedUntilRefused(busyToken)).toBe(RPM);
    const r = await call(await calm.token());
    expect(r.status).toBe(200);
    expect(r.headers.get('ratelimit-remaining')).toBe(String(RPM - 1));
    // People are not limited per agent: no budget, no headers.
    for (let i = 0; i < RPM + 2; i++) {
      const u = await call(admin);
      expect(u.status).toBe(200);
      expect(u.headers.get('ratelimit-limit')).toBeNull();
    }
  });

  it('counts a request whose scope is refused: authenticated requests spend the budget', async () => {
    freshWindow();
    const agent = await newClient(READ);
    const token = await agent.token();
    const write = await api.post('/v1/agents', { name: 'not-allowed' }, token);
    expect(write.status).toBe(403);
    expect(write.headers.get('ratelimit-remaining')).toBe(String(RPM - 1));
    expect(await servedUntilRefused(token)).toBe(RPM - 1);
    // An unauthenticated request (a bad token) spends nothing and gets no headers.
    const bad = await call(`${token.slice(0, -4)}AAAA`);
    expect(bad.status).toBe(401);
    expect(bad.headers.get('ratelimit-limit')).toBeNull();
  });

  it('applies the org default and a per-agent override, and reverts when the override is cleared', async () => {
    freshWindow();
    const initial = await api.get('/v1/rate-limits', admin);
    expect(initial.body).toEqual({
      agent_rpm: null,
      server_default_agent_rpm: RPM,
      effective_agent_rpm: RPM,
      updated_at: null,
    });
    const set = await api.call('PUT', '/v1/rate-limits', { token: admin, body: { agent_rpm: 3 } });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body).toMatchObject({ agent_rpm: 3, effective_agent_rpm: 3 });
    expect(set.body.updated_at).toBe(clock.now().toISOString());

    const follower = await newClient(READ);
    const special = await newClient(READ);
    const followerToken = await follower.token();
    const specialToken = await special.token();
    expect((await api.get(`/v1/agents/${special.agentId}/rate-limit`, admin)).body).toEqual({
      agent_id: special.agentId,
      rate_limit_rpm: null,
      effective_rpm: 3,
      source: 'org',
      updated_at: null,
    });
    const override = await api.call('PUT', `/v1/agents/${special.agentId}/rate-limit`, {
      token: admin,
      body: { rate_limit_rpm: 8 },
    });
    expect(override.status, JSON.stringify(override.body)).toBe(200);
    expect(override.body).toMatchObject({ rate_limit_rpm: 8, effective_rpm: 8, source: 'agent' });

    expect(await servedUntilRefused(followerToken)).toBe(3);
    expect(await servedUntilRefused(specialToken)).toBe(8);

    freshWindow();
    const cleared = await api.call('PUT', `/v1/agents/${special.agentId}/rate-limit`, {
      token: admin,
      body: { rate_limit_rpm: null },
    });
    expect(cleared.body).toMatchObject({ rate_limit_rpm: null, effective_rpm: 3, source: 'org' });
    expect(await servedUntilRefused(specialToken)).toBe(3);

    freshWindow();
    const back = await api.call('PUT', '/v1/rate-limits', { token: admin, body: { agent_rpm: null } });
    expect(back.body).toMatchObject({ agent_rpm: null, effective_agent_rpm: RPM });
    expect((await api.get(`/v1/agents/${special.agentId}/rate-limit`, admin)).body.source).toBe('server');
    expect(await servedUntilRefused(followerToken)).toBe(RPM);

    const changes = await server.runtime.db.system
      .selectFrom('audit_events')
      .select(['action', 'target_type', 'target_id', 'details'])
      .where('action', 'like', 'rate_limit.%_updated')
      .orderBy('seq')
      .execute();
    expect(changes).toEqual([
      {
        action: 'rate_limit.default_updated',
        target_type: 'org',
        target_id: orgId,
        details: { agent_rpm: 3, from: null },
      },
      {
        action: 'rate_limit.agent_updated',
        target_type: 'agent',
        target_id: special.agentId,
        details: { rate_limit_rpm: 8, from: null },
      },
      {
        action: 'rate_limit.agent_updated',
        target_type: 'agent',
        target_id: special.agentId,
        details: { rate_limit_rpm: null, from: 8 },
      },
      {
        action: 'rate_limit.default_updated',
        target_type: 'org',
        target_id: orgId,
        details: { agent_rpm: null, from: 3 },
      },
    ]);
  });

  it('counts a delegated token against the actor, and records the subject', async () => {
    freshWindow();
    const subject = await newClient(READ);
    const actor = await newClient(READ);
    const grant = await api.post(
      '/v1/delegations',
      { actor_agent_id: actor.agentId, subject: { type: 'agent', id: subject.agentId } },
      admin,
    );
    expect(grant.status, JSON.stringify(grant.body)).toBe(201);
    const exchanged = await formPost(
      api,
      '/oauth/token',
      {
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: await subject.token(),
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      },
      actor.auth,
    );
    expect(exchanged.status, JSON.stringify(exchanged.body)).toBe(200);
    const delegated = exchanged.body.access_token as string;

    // Two of the actor's own, then the delegated token spends the rest of the actor's budget.
    const actorToken = await actor.token();
    expect((await call(actorToken)).status).toBe(200);
    expect((await call(actorToken)).status).toBe(200);
    expect(await servedUntilRefused(delegated)).toBe(RPM - 2);
    expect((await call(actorToken)).status).toBe(429);
    // The subject spent nothing.
    const own = await call(await subject.token());
    expect(own.status).toBe(200);
    expect(own.headers.get('ratelimit-remaining')).toBe(String(RPM - 1));

    const records = (await exceeded()).filter((e) => e.actor_id === actor.agentId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      actor_type: 'agent',
      target_id: actor.agentId,
      actor_chain: { sub: subject.agentId, act: { sub: actor.agentId } },
      details: { subject: subject.agentId, limit: RPM },
    });
  });

  it('keeps another org apart: its own default, its own counts', async () => {
    freshWindow();
    const other = await otherOrgAdmin(api, admin, 'rl-other');
    const otherClient = clientBuilder(api, other.token, 'rl-other');
    const theirs: TestClient = await otherClient(READ);
    const ours: TestClient = await newClient(READ);
    expect((await api.call('PUT', '/v1/rate-limits', { token: admin, body: { agent_rpm: 2 } })).status).toBe(
      200,
    );
    expect((await api.get('/v1/rate-limits', other.token)).body.agent_rpm).toBeNull();
    expect(await servedUntilRefused(await ours.token())).toBe(2);
    expect(await servedUntilRefused(await theirs.token())).toBe(RPM);
    // One org's agents cannot be read or set from the other.
    const cross = await api.call('PUT', `/v1/agents/${theirs.agentId}/rate-limit`, {
      token: admin,
      body: { rate_limit_rpm: 1000 },
    });
    expect(cross.status).toBe(404);
    expect((await api.get(`/v1/agents/${theirs.agentId}/rate-limit`, admin)).status).toBe(404);
    await api.call('PUT', '/v1/rate-limits', { token: admin, body: { agent_rpm: null } });
  });

  it('lets only admins change limits, and an agent only with gatehouse:admin', async () => {
    freshWindow();
    const agent = await newClient(READ);
    const manager = await api.addMember(admin, 'rl-manager@example.com', 'manager');
    const put = (token: string, body: unknown) => api.call('PUT', '/v1/rate-limits', { token, body });
    const denied = await put(manager.token, { agent_rpm: 1000 });
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('insufficient_role');
    expect((await api.get('/v1/rate-limits', manager.token)).status).toBe(200);

    const writer = await newClient({ allowed_scopes: ['gatehouse:agents.write'] });
    const writerToken = await writer.token();
    const self = await api.call('PUT', `/v1/agents/${writer.agentId}/rate-limit`, {
      token: writerToken,
      body: { rate_limit_rpm: 1_000_000 },
    });
    expect(self.status).toBe(403);
    expect(self.body.code).toBe('insufficient_scope');
    const root = await newClient({ allowed_scopes: ['gatehouse:admin'] });
    const byRoot = await api.call('PUT', `/v1/agents/${agent.agentId}/rate-limit`, {
      token: await root.token(),
      body: { rate_limit_rpm: 7 },
    });
    expect(byRoot.status, JSON.stringify(byRoot.body)).toBe(200);
    const rec = await server.runtime.db.system
      .selectFrom('audit_events')
      .select(['actor_type', 'actor_id'])
      .where('action', '=', 'rate_limit.agent_updated')
      .where('target_id', '=', agent.agentId)
      .executeTakeFirst();
    expect(rec).toEqual({ actor_type: 'agent', actor_id: root.agentId });

    for (const body of [{ agent_rpm: 0 }, { agent_rpm: 1.5 }, { agent_rpm: 2_000_000 }, {}, { rpm: 5 }]) {
      const r = await put(admin, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.code).toBe('validation_failed');
    }
    const unknown = await api.call('PUT', `/v1/agents/agt_${'0'.repeat(26)}/rate-limit`, {
      token: admin,
      body: { rate_limit_rpm: 5 },
    });
    expect(unknown.status).toBe(404);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = (await api.get('/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/rate-limits', '/v1/agents/{id}/rate-limit']),
    );
  });
});
