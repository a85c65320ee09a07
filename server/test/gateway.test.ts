import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCommand } from '../../sdk/src/index.js';
import { client } from './client.js';
import { startTestServer, type TestServer } from './harness.js';
import { clientBuilder, otherOrgAdmin, type TestClient } from './oauth-fixture.js';

/** What the test upstream received, newest last. */
interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const SECRET = `sk_live_${randomBytes(24).toString('hex')}`;
const QUERY_SECRET = `qk_${randomBytes(24).toString('hex')}`;

let upstream: Server;
let upstreamUrl: string;
const received: Received[] = [];
const logLines: string[] = [];
let server: TestServer;
let api: ReturnType<typeof client>;
let admin: string;
let newClient: ReturnType<typeof clientBuilder>;

beforeAll(async () => {
  upstream = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString();
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    if (req.url?.startsWith('/api/echo-secret')) {
      // A careless upstream that reflects what it was sent, in a header and the body.
      res.setHeader('x-debug-key', String(req.headers['x-api-key']));
      res.end(`you sent ${req.headers['x-api-key']} and ${req.url}`);
      return;
    }
    if (req.url?.startsWith('/api/redirect')) {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end();
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.setHeader('x-upstream', 'yes');
    res.statusCode = req.url?.startsWith('/api/missing') ? 404 : 200;
    res.end(JSON.stringify({ ok: true, method: req.method, echo: body.length }));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

  server = await startTestServer({ logLines });
  api = client(server);
  admin = await api.login(server.admin.email, server.admin.password);
  newClient = clientBuilder(api, admin, 'gw');
  const egress = await api.call('PUT', '/v1/egress', {
    token: admin,
    body: { hosts: ['127.0.0.1'], allow_private: ['127.0.0.1'] },
  });
  expect(egress.status, JSON.stringify(egress.body)).toBe(200);
});
afterAll(async () => {
  await server.close();
  await new Promise((r) => upstream.close(r));
});

let n = 0;
async function integration(auth: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const r = await api.post(
    '/v1/integrations',
    { name: `echo-${++n}`, base_url: `${upstreamUrl}/api`, auth, ...extra },
    admin,
  );
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: string; name: string };
}

/** An agent that may call `integ`: granted, with the integration_execute skill, and a token. */
async function caller(integ: { id: string }, opts: { skill?: boolean; grant?: boolean } = {}) {
  const agent: TestClient = await newClient();
  if (opts.grant !== false) {
    const g = await api.call('PUT', `/v1/integrations/${integ.id}/grants/${agent.agentId}`, { token: admin });
    expect(g.status, JSON.stringify(g.body)).toBeLessThan(300);
  }
  if (opts.skill !== false) {
    const s = await api.post(
      `/v1/agents/${agent.agentId}/skills`,
      { capability: 'integration_execute' },
      admin,
    );
    expect(s.status).toBe(201);
  }
  return { agent, token: await agent.token() };
}

const gw = (
  token: string,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
) =>
  fetch(`${server.url}/v1/gateway/${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...headers },
    redirect: 'manual',
    ...(body === undefined ? {} : { body }),
  });

/** Everything an agent received: status, every header, the body. */
async function seen(res: Response) {
  const body = await res.text();
  return {
    status: res.status,
    headers: JSON.stringify([...res.headers]),
    body,
    all: `${JSON.stringify([...res.headers])}\n${body}`,
  };
}

describe('the gateway', () => {
  it('forwards the call with the credential injected; the agent never sees it', async () => {
    const integ = await integration({ type: 'api_key', in: 'header', name: 'x-api-key', value: SECRET });
    const { token } = await caller(integ);
    const res = await gw(token, 'POST', `${integ.name}/things/1?x=1&y=two`, '{"hello":"world"}', {
      'content-type': 'application/json',
      cookie: 'session=agent-cookie',
      'x-forwarded-for': '6.6.6.6',
    });
    const out = await seen(res);
    expect(out.status).toBe(200);
    expect(JSON.parse(out.body)).toEqual({ ok: true, method: 'POST', echo: 17 });
    expect(res.headers.get('x-upstream')).toBe('yes');
    const got = received.at(-1) as Received;
    expect(got).toMatchObject({ method: 'POST', url: '/api/things/1?x=1&y=two', body: '{"hello":"world"}' });
    expect(got.headers['x-api-key']).toBe(SECRET);
    expect(got.headers['content-type']).toBe('application/json');
    // The agent's own credentials and identity claims stay at the gateway.
    expect(got.headers.authorization).toBeUndefined();
    expect(got.headers.cookie).toBeUndefined();
    expect(got.headers['x-forwarded-for']).toBeUndefined();
    expect(out.all).not.toContain(SECRET);
  });

  it('injects a query-parameter key and passes upstream errors through, still without the secret', async () => {
    const integ = await integration({ type: 'api_key', in: 'query', name: 'key', value: QUERY_SECRET });
    const { token } = await caller(integ);
    const ok = await seen(await gw(token, 'GET', `${integ.name}/search?q=cats`));
    expect(ok.status).toBe(200);
    const got = received.at(-1) as Received;
    const url = new URL(got.url, 'http://x');
    expect(url.searchParams.get('key')).toBe(QUERY_SECRET);
    expect(url.searchParams.get('q')).toBe('cats');
    const missing = await seen(await gw(token, 'GET', `${integ.name}/missing`));
    expect(missing.status).toBe(404);
    expect(ok.all + missing.all).not.toContain(QUERY_SECRET);
  });

  it('redacts a credential the upstream echoes back, in headers and in the body', async () => {
    const integ = await integration({ type: 'api_key', in: 'header', name: 'x-api-key', value: SECRET });
    const { token } = await caller(integ);
    const out = await seen(await gw(token, 'GET', `${integ.name}/echo-secret`));
    expect(out.status).toBe(200);
    expect(out.all).not.toContain(SECRET);
    expect(out.body).toBe('you sent [REDACTED] and /api/echo-secret');
  });

  it('hands a redirect back to the agent instead of following it', async () => {
    const integ = await integration({ type: 'bearer', token: SECRET });
    const { token } = await caller(integ);
    const res = await gw(token, 'GET', `${integ.name}/redirect`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('http://169.254.169.254/latest/meta-data');
    expect((received.at(-1) as Received).headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it('audits each call with its status, duration, bytes and the actor', async () => {
    const integ = await integration({ type: 'basic', username: 'svc', password: SECRET });
    const { agent, token } = await caller(integ);
    await (await gw(token, 'PUT', `${integ.name}/items/7?secret=no`, 'x'.repeat(100))).text();
    await new Promise((r) => setTimeout(r, 100));
    const items = (await api.get(`/v1/audit?action=gateway.called&actor=${agent.agentId}`, admin)).body.items;
    expect(items[0]).toMatchObject({
      action: 'gateway.called',
      outcome: 'success',
      target: { type: 'integration', id: integ.id },
      details: {
        integration: integ.name,
        method: 'PUT',
        path: '/items/7',
        status: 200,
        bytes_in: 100,
        signed: false,
      },
    });
    expect(items[0].details.bytes_out).toBeGreaterThan(0);
    expect(items[0].details.duration_ms).toBeGreaterThanOrEqual(0);
  });

  it('never writes the credential to a log line', () => {
    expect(logLines.length).toBeGreaterThan(10);
    for (const secret of [SECRET, QUERY_SECRET]) {
      expect(logLines.filter((l) => l.includes(secret))).toEqual([]);
    }
  });
});

describe('the gateway refuses', () => {
  it('an agent without the skill, or without the grant, or a forbidding policy', async () => {
    const integ = await integration({ type: 'bearer', token: SECRET });
    const noSkill = await caller(integ, { skill: false });
    const r1 = await gw(noSkill.token, 'GET', `${integ.name}/x`);
    expect(r1.status).toBe(403);
    expect((await r1.json()) as Record<string, unknown>).toMatchObject({
      code: 'forbidden',
      detail: expect.stringContaining('missing_capability'),
    });
    const noGrant = await caller(integ, { grant: false });
    const r2 = await gw(noGrant.token, 'GET', `${integ.name}/x`);
    expect(r2.status).toBe(403);
    expect(((await r2.json()) as Record<string, string>).code).toBe('not_granted');

    const ok = await caller(integ);
    const saved = await api.call('PUT', '/v1/authz/policies', {
      token: admin,
      body: {
        text: `@id("all")\npermit (principal, action, resource);\n@id("no-deletes")\nforbid (principal, action == Action::"integration.call", resource)\n  when { context has method && context.method == "DELETE" };\n`,
      },
    });
    expect(saved.status).toBe(201);
    expect((await gw(ok.token, 'GET', `${integ.name}/x`)).status).toBe(200);
    const del = await gw(ok.token, 'DELETE', `${integ.name}/x`);
    expect(del.status).toBe(403);
    expect(((await del.json()) as Record<string, string>).detail).toContain('forbidden_by:no-deletes');
    await api.call('PUT', '/v1/authz/policies', {
      token: admin,
      body: { text: 'permit (principal, action, resource);' },
    });
  });

  it('over the integration limit, with the rate-limit headers', async () => {
    const integ = await integration({ type: 'bearer', token: SECRET }, { rate_limit_rpm: 2 });
    const { token } = await caller(integ);
    expect((await gw(token, 'GET', `${integ.name}/a`)).status).toBe(200);
    expect((await gw(token, 'GET', `${integ.name}/b`)).status).toBe(200);
    const over = await gw(token, 'GET', `${integ.name}/c`);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(over.headers.get('ratelimit-limit')).toBe('2');
    expect(((await over.json()) as Record<string, string>).code).toBe('rate_limited');
  });

  it('a bad or replayed command signature, and a missing one where signing is required', async () => {
    const integ = await integration({ type: 'bearer', token: SECRET });
    const { agent, token } = await caller(integ);
    const k = await api.call('POST', `/v1/agents/${agent.agentId}/signing-keys`, { token: admin });
    expect(k.status).toBe(201);
    const key = { keyId: k.body.id as string, secret: k.body.secret as string };
    const url = `${server.url}/v1/gateway/${integ.name}/orders?id=9`;
    const body = '{"qty":1}';
    const headers = await signCommand(key, { method: 'POST', url, body });
    const signed = await fetch(url, {
      method: 'POST',
      body,
      headers: { ...headers, authorization: `Bearer ${token}` },
    });
    expect(signed.status).toBe(200);
    expect((received.at(-1) as Received).body).toBe(body);
    const replay = await fetch(url, {
      method: 'POST',
      body,
      headers: { ...headers, authorization: `Bearer ${token}` },
    });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as Record<string, string>).code).toBe('replayed');
    const fresh = await signCommand(key, { method: 'POST', url, body });
    const tampered = await fetch(url, {
      method: 'POST',
      body: '{"qty":1000}',
      headers: { ...fresh, authorization: `Bearer ${token}` },
    });
    expect(tampered.status).toBe(401);
    expect(((await tampered.json()) as Record<string, string>).code).toBe('bad_signature');

    const policy = await api.call('PUT', `/v1/agents/${agent.agentId}/signing-policy`, {
      token: admin,
      body: { required: 'actions', actions: ['integration.call'] },
    });
    expect(policy.status).toBe(200);
    const unsigned = await gw(token, 'POST', `${integ.name}/orders`, body);
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as Record<string, string>).code).toBe('signature_required');
  });

  it('a host the org no longer allows, checked at call time', async () => {
    const integ = await integration({ type: 'bearer', token: SECRET });
    const { token } = await caller(integ);
    const closed = await api.call('PUT', '/v1/egress', {
      token: admin,
      body: { hosts: ['127.0.0.1'], allow_private: [] },
    });
    expect(closed.status).toBe(200);
    try {
      const res = await gw(token, 'GET', `${integ.name}/x`);
      expect(res.status).toBe(403);
      const out = (await res.json()) as Record<string, unknown>;
      expect(out.code).toBe('egress_denied');
      expect(JSON.stringify(out)).not.toContain(SECRET);
    } finally {
      await api.call('PUT', '/v1/egress', {
        token: admin,
        body: { hosts: ['127.0.0.1'], allow_private: ['127.0.0.1'] },
      });
    }
  });

  it('a suspended agent, a person, an unknown integration and another org', async () => {
    const integ = await integration({ type: 'bearer', token: SECRET });
    const { agent, token } = await caller(integ);
    const asPerson = await gw(admin, 'GET', `${integ.name}/x`);
    expect(asPerson.status).toBe(401);
    expect((await gw(token, 'GET', 'no-such-integration/x')).status).toBe(404);
    const other = await otherOrgAdmin(api, admin, 'gateway');
    const foreign = await clientBuilder(api, other.token, 'foreign-gw')({}, other.token);
    const wrongOrg = await gw(await foreign.token(), 'GET', `${integ.name}/x`);
    expect(wrongOrg.status).toBe(404);
    await api.call('PATCH', `/v1/agents/${agent.agentId}`, { token: admin, body: { status: 'suspended' } });
    const suspended = await gw(token, 'GET', `${integ.name}/x`);
    expect(suspended.status).toBe(401);
  });

  it('an unreachable upstream with 502, and no secret in the answer', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const r = await api.post(
      '/v1/integrations',
      { name: 'gone', base_url: `http://127.0.0.1:${port}`, auth: { type: 'bearer', token: SECRET } },
      admin,
    );
    expect(r.status).toBe(201);
    const { token } = await caller(r.body);
    const res = await gw(token, 'GET', 'gone/x');
    expect(res.status).toBe(502);
    const out = await res.text();
    expect(JSON.parse(out).code).toBe('upstream_unreachable');
    expect(out).not.toContain(SECRET);
  });
});
