import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBuilder } from './agents-fixture.js';
import { client } from './client.js';
import { startTestServer, type TestServer } from './harness.js';

/**
 * Listing agents (filters, pagination) and org isolation: org B is founded by someone who is
 * not a member of org A, so A's admin has no way into B but guessing ids.
 */
let server: TestServer;
let api: ReturnType<typeof client>;
let adminA: string;
let adminB: string;
let agentB: { id: string; name: string };

beforeAll(async () => {
  server = await startTestServer();
  api = client(server);
  adminA = await api.login(server.admin.email, server.admin.password);
  const founder = await api.addMember(adminA, 'agent-founder-b@example.com', 'viewer');
  const orgB = (await api.post('/v1/orgs', { name: 'Agents B' }, founder.token)).body.id;
  await api.call('PUT', '/v1/auth/session/org', { token: founder.token, body: { org_id: orgB } });
  adminB = founder.token;
  const definition = { instructions: 'B only', model: 'm-b', tools: [] };
  agentB = (await api.post('/v1/agents', { name: 'shared-name', definition }, adminB)).body;
});
afterAll(() => server.close());

const names = (page: { items: { name: string }[] }) => page.items.map((a) => a.name);

describe('listing agents', () => {
  it('pages through every agent once, in creation order, with filters', async () => {
    const member = await api.addMember(adminA, 'agent-owner@example.com', 'manager');
    for (const name of ['ci-alpha', 'ci-beta', 'ci-gamma', 'web-one', 'web-two']) {
      const r = await api.post('/v1/agents', { name }, name === 'web-two' ? member.token : adminA);
      expect(r.status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: any = await api.get(`/v1/agents?limit=2${cursor ? `&cursor=${cursor}` : ''}`, adminA);
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...names(r.body));
      cursor = r.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(['ci-alpha', 'ci-beta', 'ci-gamma', 'web-one', 'web-two']);

    expect(names((await api.get('/v1/agents?name_prefix=ci-', adminA)).body)).toEqual([
      'ci-alpha',
      'ci-beta',
      'ci-gamma',
    ]);
    expect(names((await api.get(`/v1/agents?owner=${member.id}`, adminA)).body)).toEqual(['web-two']);
    const prefixPage = (await api.get('/v1/agents?name_prefix=ci-&limit=1', adminA)).body;
    const next = await api.get(`/v1/agents?name_prefix=ci-&limit=5&cursor=${prefixPage.next_cursor}`, adminA);
    expect(names(next.body)).toEqual(['ci-beta', 'ci-gamma']);
  });

  it('leaves archived agents out unless asked for by status', async () => {
    const newAgent = agentBuilder(api, adminA);
    const gone = await newAgent({ name: 'gone-soon' });
    const paused = await newAgent({ name: 'paused' });
    await api.del(`/v1/agents/${gone.id}`, adminA);
    await api.patch(`/v1/agents/${paused.id}`, { status: 'suspended' }, adminA);
    const all = names((await api.get('/v1/agents?limit=200', adminA)).body);
    expect(all).toContain('paused');
    expect(all).not.toContain('gone-soon');
    expect(names((await api.get('/v1/agents?status=archived', adminA)).body)).toEqual(['gone-soon']);
    expect(names((await api.get('/v1/agents?status=suspended', adminA)).body)).toEqual(['paused']);
  });

  it('rejects bad filters and forged cursors', async () => {
    for (const q of ['status=deleted', 'owner=bob', 'name_prefix=A%25', 'limit=0', 'colour=red']) {
      expect((await api.get(`/v1/agents?${q}`, adminA)).status, q).toBe(400);
    }
    const forged = await api.get('/v1/agents?cursor=bm90LWEta2V5', adminA);
    expect(forged.body.code).toBe('invalid_cursor');
  });
});

describe('org isolation', () => {
  it('allows the same name in another org', async () => {
    const r = await api.post('/v1/agents', { name: 'shared-name' }, adminA);
    expect(r.status).toBe(201);
    expect(r.body.id).not.toBe(agentB.id);
  });

  it("gives 404 for org B's agent on every route", async () => {
    const base = `/v1/agents/${agentB.id}`;
    for (const r of [
      await api.get(base, adminA),
      await api.patch(base, { description: 'taken over' }, adminA),
      await api.patch(base, { definition: { instructions: 'evil', model: 'x', tools: [] } }, adminA),
      await api.del(base, adminA),
      await api.get(`${base}/versions`, adminA),
      await api.get(`${base}/versions/1`, adminA),
    ]) {
      expect(r.status).toBe(404);
      expect(r.body.code).toBe('not_found');
    }
    const still = await api.get(base, adminB);
    expect(still.body).toMatchObject({ status: 'active', description: '', definition: { version: 1 } });
  });

  it("never lists org B's agents in org A, by any filter", async () => {
    for (const q of ['limit=200', 'name_prefix=shared', 'status=active', 'status=archived']) {
      const ids = (await api.get(`/v1/agents?${q}`, adminA)).body.items.map((a: any) => a.id);
      expect(ids).not.toContain(agentB.id);
    }
    const cursorAtB = Buffer.from(agentB.id).toString('base64url');
    const fromB = await api.get(`/v1/agents?cursor=${cursorAtB}`, adminA);
    expect(fromB.body.items.map((a: any) => a.id)).not.toContain(agentB.id);
  });

  it("the cache path does not answer org B's agent for org A", async () => {
    const { agents } = server.runtime.services;
    const orgA = (await api.get('/v1/orgs/current', adminA)).body.id;
    expect(await agents.getRecord(orgA, agentB.id)).toBeNull();
    const orgB = (await api.get('/v1/orgs/current', adminB)).body.id;
    expect(await agents.getRecord(orgB, agentB.id)).toMatchObject({ id: agentB.id, status: 'active' });
  });
});
