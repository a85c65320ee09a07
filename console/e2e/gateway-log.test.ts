// Browser test of the Gateway calls page against a real Gatehouse server: agents make real calls through the
// gateway to an upstream HTTP server on 127.0.0.1 (egress allowlist, integrations, grants, the
// integration_execute skill, agent tokens), then the page lists them from the audit log (time, agent,
// integration, method, path, status, duration, bytes), a page at a time, filtered by integration and agent.
// Admins only.
// Run with `npx vitest run console/e2e/gateway-log.test.ts`; CONSOLE_E2E_SCREENSHOTS=1 saves
// /tmp/console-gateway-log.png.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../server/test/client.js';
import { clientBuilder } from '../../server/test/oauth-fixture.js';
import { expectRefused, hasChromium, screenshot, useConsoleHarness } from './browser.js';

interface Record {
  id: string;
  at: string;
  actor: { id: string };
  target: { id: string };
  details: { integration: string; method: string; path: string; status: number; duration_ms: number };
}

const PAGE = 25;
const rowIds = (page: Page) =>
  page.getByTestId('gateway-call-row').evaluateAll((els) => els.map((el) => el.getAttribute('data-id')));

describe.skipIf(!hasChromium)('the gateway call log in the console', () => {
  const harness = useConsoleHarness();
  const { newPage, signIn, pageErrors } = harness;
  let server: typeof harness.server;
  let http: ReturnType<typeof client>;
  let adminToken: string;
  let admin: Page;
  let upstream: Server;
  const ids = { alpha: '', beta: '', first: '', second: '' };
  let records: Record[] = [];

  beforeAll(async () => {
    upstream = createServer(async (req, res) => {
      for await (const _ of req) {
        // drain the body
      }
      res.statusCode = req.url?.startsWith('/api/missing') ? 404 : 200;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: res.statusCode === 200, url: req.url }));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

    server = harness.server;
    http = client(server);
    adminToken = await http.login(server.admin.email, server.admin.password);
    const egress = await http.call('PUT', '/v1/egress', {
      token: adminToken,
      body: { hosts: ['127.0.0.1'], allow_private: ['127.0.0.1'] },
    });
    expect(egress.status).toBe(200);
    for (const name of ['alpha', 'beta'] as const) {
      const r = await http.post(
        '/v1/integrations',
        {
          name: `${name}-api`,
          base_url: `${upstreamUrl}/api`,
          auth: { type: 'bearer', token: `${name}-secret` },
        },
        adminToken,
      );
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      ids[name] = r.body.id;
    }
    const newAgent = clientBuilder(http, adminToken, 'caller');
    const tokens: string[] = [];
    for (const key of ['first', 'second'] as const) {
      const agent = await newAgent();
      ids[key] = agent.agentId;
      for (const integ of [ids.alpha, ids.beta]) {
        const g = await http.call('PUT', `/v1/integrations/${integ}/grants/${agent.agentId}`, {
          token: adminToken,
        });
        expect(g.status).toBe(201);
      }
      const s = await http.post(
        `/v1/agents/${agent.agentId}/skills`,
        { capability: 'integration_execute' },
        adminToken,
      );
      expect(s.status).toBe(201);
      tokens.push(await agent.token());
    }
    const call = async (token: string, integration: string, method: string, path: string, body?: string) => {
      const res = await fetch(`${server.url}/v1/gateway/${integration}/${path}`, {
        method,
        headers: { authorization: `Bearer ${token}` },
        ...(body === undefined ? {} : { body }),
      });
      await res.text();
      return res.status;
    };
    // 27 calls: more than a page.
    for (let i = 0; i < 20; i++)
      expect(await call(tokens[0] as string, 'alpha-api', 'GET', `x/${i}`)).toBe(200);
    for (let i = 0; i < 6; i++) expect(await call(tokens[1] as string, 'alpha-api', 'GET', 'x')).toBe(200);
    expect(await call(tokens[0] as string, 'beta-api', 'POST', 'missing', '{"hello":"world"}')).toBe(404);
    // The gateway records each call as it ends: wait until all of them are in.
    for (let tries = 0; tries < 150 && records.length < 27; tries++) {
      if (tries) await new Promise((r) => setTimeout(r, 100));
      const r = await http.get('/v1/audit?action=gateway.called&limit=100', adminToken);
      records = r.body.items as Record[];
    }
    expect(records).toHaveLength(27);

    admin = await newPage();
    await signIn(admin, server.admin.email, server.admin.password);
    await admin.getByTestId('overview-org-name').waitFor();
  }, 120_000);

  afterAll(async () => {
    await new Promise((r) => upstream?.close(r));
  });

  it('lists the real calls, newest first, a page at a time, with what the gateway recorded', async () => {
    await admin
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Gateway calls' })
      .click();
    await admin.getByTestId('gateway-call-row').first().waitFor();
    expect(new URL(admin.url()).pathname).toBe('/console/gateway-log');
    expect(await rowIds(admin)).toEqual(records.slice(0, PAGE).map((r) => r.id));
    await admin.getByTestId('load-more').click();
    await expect.poll(() => rowIds(admin)).toEqual(records.map((r) => r.id));
    expect(await admin.getByTestId('load-more').count()).toBe(0);

    // The newest: the POST to beta-api that upstream answered 404.
    const newest = records[0] as Record;
    expect(newest.details).toMatchObject({
      integration: 'beta-api',
      method: 'POST',
      path: '/missing',
      status: 404,
    });
    const row = admin.locator(`[data-testid="gateway-call-row"][data-id="${newest.id}"]`);
    expect(await row.getByTestId('gateway-call-agent').textContent()).toBe('caller-1');
    expect(await row.getByTestId('gateway-call-integration').textContent()).toBe('beta-api');
    expect(await row.getByTestId('gateway-call-method').textContent()).toBe('POST');
    expect(await row.getByTestId('gateway-call-path').textContent()).toBe('/missing');
    expect(await row.getByTestId('gateway-call-status').getAttribute('data-status')).toBe('404');
    expect(await row.getByTestId('gateway-call-duration').textContent()).toBe(
      `${newest.details.duration_ms} ms`,
    );
    const upstreamBody = JSON.stringify({ ok: false, url: '/api/missing' });
    expect(await row.getByTestId('gateway-call-bytes').textContent()).toBe(`17 B / ${upstreamBody.length} B`);
    expect(await row.getByTestId('gateway-call-time').getAttribute('datetime')).toBe(newest.at);
    const oldest = admin.locator(`[data-testid="gateway-call-row"][data-id="${records.at(-1)?.id}"]`);
    expect(await oldest.getByTestId('gateway-call-path').textContent()).toBe('/x/0');
    expect(await oldest.getByTestId('gateway-call-status').getAttribute('data-status')).toBe('200');
    await screenshot(admin, '/tmp/console-gateway-log.png');
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('filters by integration and by agent, kept in the URL', async () => {
    await admin.goto(`${server.url}/console/gateway-log`);
    await admin.getByTestId('gateway-call-row').first().waitFor();
    await admin.getByTestId('gateway-log-filter-integration').selectOption({ label: 'beta-api' });
    await expect.poll(() => rowIds(admin)).toEqual([records[0]?.id]);
    expect(new URL(admin.url()).searchParams.get('integration')).toBe(ids.beta);

    await admin.getByTestId('gateway-log-filter-integration').selectOption('');
    await admin.getByTestId('gateway-log-filter-agent').selectOption({ label: 'caller-2' });
    const second = records.filter((r) => r.actor.id === ids.second).map((r) => r.id);
    expect(second).toHaveLength(6);
    await expect.poll(() => rowIds(admin)).toEqual(second);
    expect(await admin.getByTestId('gateway-call-agent').allTextContents()).toEqual(
      Array(6).fill('caller-2'),
    );

    // Both at once; then a reload keeps them.
    await admin.getByTestId('gateway-log-filter-integration').selectOption({ label: 'beta-api' });
    await admin.getByTestId('gateway-log-empty').waitFor();
    await admin.getByTestId('gateway-log-filter-agent').selectOption({ label: 'caller-1' });
    await expect.poll(() => rowIds(admin)).toEqual([records[0]?.id]);
    await admin.reload();
    await admin.getByTestId('gateway-call-row').first().waitFor();
    expect(await rowIds(admin)).toEqual([records[0]?.id]);
    expect(await admin.getByTestId('gateway-log-filter-agent').inputValue()).toBe(ids.first);
    expect(await admin.getByTestId('gateway-log-filter-integration').inputValue()).toBe(ids.beta);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('is for admins only: no sidebar entry, no calls, and the API refuses too', async () => {
    await expectRefused(harness, adminToken, {
      email: 'gateway-manager@example.com',
      link: 'Gateway calls',
      pages: [{ path: '/gateway-log', forbidden: 'gateway-log-forbidden', absent: ['gateway-call-row'] }],
      api: [{ path: '/v1/audit?action=gateway.called' }],
    });
  }, 60_000);
});
