import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './client.js';
import { startTestServer, type TestServer } from './harness.js';
import { basic, clientBuilder, formPost, otherOrgAdmin, type TestClient } from './oauth-fixture.js';

/** /v1/analytics: token issuance over time, agents' activity heatmap and denials, from the audit log. */
const HOUR = 3600_000;
const DAY = 24 * HOUR;
let server: TestServer;
let api: ReturnType<typeof client>;
let admin: string;
let orgId: string;
let a1: TestClient;
let a2: TestClient;
let other: { token: string; orgId: string };

const exchange = (actor: TestClient, subjectToken: string) =>
  formPost(
    api,
    '/oauth/token',
    {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: subjectToken,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    },
    actor.auth,
  );

beforeAll(async () => {
  server = await startTestServer();
  api = client(server);
  admin = await api.login(server.admin.email, server.admin.password);
  orgId = (await api.get('/v1/auth/session', admin)).body.org.id;
  const newClient = clientBuilder(api, admin, 'stats');
  a1 = await newClient();
  a2 = await newClient();
  for (let i = 0; i < 3; i++) await a1.token();
  // a2 gets one token of its own and one by exchanging a1's, acting for a1.
  const grant = await api.post(
    '/v1/delegations',
    { actor_agent_id: a2.agentId, subject: { type: 'agent', id: a1.agentId } },
    admin,
  );
  expect(grant.status, JSON.stringify(grant.body)).toBe(201);
  await a2.token();
  expect((await exchange(a2, await a1.token())).status).toBe(200);
  // Refused after authentication: recorded in the org. Refused before: outside any org.
  const scope = await formPost(
    api,
    '/oauth/token',
    { grant_type: 'client_credentials', scope: 'nope' },
    a1.auth,
  );
  expect(scope.body.error).toBe('invalid_scope');
  const wrong = await formPost(
    api,
    '/oauth/token',
    { grant_type: 'client_credentials' },
    { authorization: basic(a1.clientId, 'not-the-secret') },
  );
  expect(wrong.body.error).toBe('invalid_client');
  other = await otherOrgAdmin(api, admin, 'stats');
});
afterAll(() => server.close());

/** The org's audit records as stored, to compute what the aggregates must say. */
const records = (where: { actions?: string[]; actorType?: string }) => {
  let q = server.runtime.db.system
    .selectFrom('audit_events')
    .select(['actor_id', 'at', 'action'])
    .where('org_id', '=', orgId);
  if (where.actions) q = q.where('action', 'in', where.actions);
  if (where.actorType) q = q.where('actor_type', '=', where.actorType as 'agent');
  return q.execute();
};

/** Counts rows per agent and, within each agent, per key: what an aggregate must answer. */
function countByAgent(rows: { actor_id: string | null; at: Date }[], key: (at: Date) => string) {
  const out: Record<string, Record<string, number>> = {};
  for (const r of rows) {
    const agent = out[r.actor_id as string] ?? {};
    agent[key(r.at)] = (agent[key(r.at)] ?? 0) + 1;
    out[r.actor_id as string] = agent;
  }
  return out;
}

const get = async (path: string, token = admin) => {
  const r = await api.get(path, token);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};

describe('tokens over time', () => {
  const issued = () => records({ actions: ['token.issued', 'token.exchanged'] });
  const truncate = (at: Date, unit: number) => new Date(Math.floor(at.getTime() / unit) * unit).toISOString();

  it('counts token.issued and token.exchanged per agent per UTC hour and day', async () => {
    const rows = await issued();
    const perAgent = countByAgent(rows, () => 'all');
    expect(perAgent).toEqual({ [a1.agentId]: { all: 4 }, [a2.agentId]: { all: 2 } });
    for (const [interval, unit] of [
      ['hour', HOUR],
      ['day', DAY],
    ] as const) {
      const body = await get(`/v1/analytics/tokens?interval=${interval}`);
      expect(body.interval).toBe(interval);
      const got = Object.fromEntries(
        body.series.map((s: any) => [
          s.agent_id,
          Object.fromEntries(s.points.map((p: any) => [p.at, p.count])),
        ]),
      );
      const want = countByAgent(rows, (at) => truncate(at, unit));
      expect(got).toEqual(want);
    }
  });

  it('defaults to the last 24 hours by hour and 30 days by day, and takes one agent', async () => {
    const hourly = await get('/v1/analytics/tokens');
    expect(new Date(hourly.to).getTime() - new Date(hourly.from).getTime()).toBe(DAY);
    const daily = await get('/v1/analytics/tokens?interval=day');
    expect(new Date(daily.to).getTime() - new Date(daily.from).getTime()).toBe(30 * DAY);

    const one = await get(`/v1/analytics/tokens?agent=${a2.agentId}`);
    expect(one.series.map((s: any) => s.agent_id)).toEqual([a2.agentId]);
    expect(one.series[0].points.reduce((n: number, p: any) => n + p.count, 0)).toBe(2);
  });

  it('counts nothing outside the range', async () => {
    const to = new Date(Date.now() - DAY).toISOString();
    const from = new Date(Date.now() - 2 * DAY).toISOString();
    const body = await get(`/v1/analytics/tokens?from=${from}&to=${to}`);
    expect(body).toEqual({ interval: 'hour', from, to, series: [] });
  });
});

describe('activity heatmap', () => {
  it("counts each agent's records by UTC day of week and hour", async () => {
    const rows = await records({ actorType: 'agent' });
    const body = await get('/v1/analytics/activity');
    const got = Object.fromEntries(
      body.agents.map((a: any) => [
        a.agent_id,
        Object.fromEntries(a.cells.map((c: any) => [`${c.dow}/${c.hour}`, c.count])),
      ]),
    );
    const want = countByAgent(rows, (at) => `${at.getUTCDay()}/${at.getUTCHours()}`);
    expect(got).toEqual(want);
    // a1: three tokens, the subject token it was issued for the exchange, and its refusal.
    expect(Object.values(got[a1.agentId] as object).reduce((n: number, c: number) => n + c, 0)).toBe(5);
  });
});

describe('denials', () => {
  it('groups failures by action and reason; refusals before authentication are outside the org', async () => {
    const body = await get('/v1/analytics/denials');
    expect(body.reasons).toEqual([{ action: 'token.refused', reason: 'invalid_scope', count: 1 }]);
  });
});

describe('access and input', () => {
  it("shows another org nothing of this org's", async () => {
    expect((await get('/v1/analytics/tokens', other.token)).series).toEqual([]);
    expect((await get('/v1/analytics/activity', other.token)).agents).toEqual([]);
    expect((await get('/v1/analytics/denials', other.token)).reasons).toEqual([]);
  });

  it('is for admins and agents holding gatehouse:audit.read', async () => {
    const manager = await api.addMember(admin, 'stats-manager@example.com', 'manager');
    const reader = await clientBuilder(
      api,
      admin,
      'stats-reader',
    )({ allowed_scopes: ['gatehouse:audit.read'] });
    const readerToken = await reader.token({ scope: 'gatehouse:audit.read' });
    const plainToken = await a1.token();
    for (const path of ['/v1/analytics/tokens', '/v1/analytics/activity', '/v1/analytics/denials']) {
      expect((await api.get(path)).status, path).toBe(401);
      const byManager = await api.get(path, manager.token);
      expect(byManager.status, path).toBe(403);
      expect(byManager.body.code).toBe('insufficient_role');
      const byAgent = await api.get(path, plainToken);
      expect(byAgent.status, path).toBe(403);
      expect(byAgent.body.code).toBe('insufficient_scope');
      expect((await api.get(path, readerToken)).status, path).toBe(200);
    }
  });

  it('refuses a bad interval, a reversed range and a range past its cap with problem+json', async () => {
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const cases: [string, string][] = [
      ['/v1/analytics/tokens?interval=week', 'validation_failed'],
      ['/v1/analytics/tokens?from=yesterday', 'validation_failed'],
      ['/v1/analytics/tokens?unknown=1', 'validation_failed'],
      [`/v1/analytics/tokens?from=${iso(now)}&to=${iso(now - HOUR)}`, 'invalid_range'],
      [`/v1/analytics/tokens?from=${iso(now - 32 * DAY)}&to=${iso(now)}`, 'range_too_long'],
      [`/v1/analytics/tokens?interval=day&from=${iso(now - 367 * DAY)}&to=${iso(now)}`, 'range_too_long'],
      [`/v1/analytics/activity?from=${iso(now - 367 * DAY)}&to=${iso(now)}`, 'range_too_long'],
      [`/v1/analytics/denials?from=${iso(now)}&to=${iso(now)}`, 'invalid_range'],
    ];
    for (const [path, code] of cases) {
      const r = await api.get(path, admin);
      expect(r.status, path).toBe(400);
      expect(r.headers.get('content-type'), path).toMatch(/^application\/problem\+json/);
      expect(r.body.code, path).toBe(code);
    }
    // The caps themselves are allowed.
    await get(`/v1/analytics/tokens?from=${iso(now - 31 * DAY)}&to=${iso(now)}`);
    await get(`/v1/analytics/tokens?interval=day&from=${iso(now - 366 * DAY)}&to=${iso(now)}`);
  });
});
