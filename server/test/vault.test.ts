import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkEgress, type EgressPolicy, isPrivateAddress } from '../src/modules/vault/egress.js';
import { AppError } from '../src/platform/errors.js';
import { agentBuilder } from './agents-fixture.js';
import { client, type Reply } from './client.js';
import { manualClock, startTestServer, type TestServer } from './harness.js';
import { otherOrgAdmin } from './oauth-fixture.js';

/** Integrations, their write-only credentials, grants and egress, over HTTP; the gateway's calls in process. */
const clock = manualClock();
let server: TestServer;
let api: ReturnType<typeof client>;
let admin: string;
let adminId: string;
let orgId: string;
let newAgent: ReturnType<typeof agentBuilder>;

/** A credential no response, audit record or stored row may show in the clear. */
const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;
const secrets: string[] = [];
function remember(s: string) {
  secrets.push(s);
  return s;
}
/** Asserts no secret made in this file appears anywhere in a reply (body and headers). */
function clean(r: Reply) {
  const text = JSON.stringify(r.body) + JSON.stringify([...r.headers.entries()]);
  for (const s of secrets) expect(text, `a reply (${r.status}) shows a credential`).not.toContain(s);
  return r;
}

let n = 0;
/** Data builder: an api_key integration (a fresh name) unless the body says otherwise. */
async function create(body: Record<string, unknown> = {}, token = admin) {
  const r = clean(
    await api.post(
      '/v1/integrations',
      {
        name: `int-${++n}`,
        base_url: `https://api-${n}.example.com/v1`,
        auth: { type: 'api_key', in: 'header', name: 'X-Api-Key', value: remember(secret('key')) },
        ...body,
      },
      token,
    ),
  );
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

const vault = () => server.runtime.services.vault;
const auditOf = (targetId: string) =>
  server.runtime.db.system
    .selectFrom('audit_events')
    .select(['action', 'actor_type', 'actor_id', 'details'])
    .where('target_id', '=', targetId)
    .orderBy('seq')
    .execute();

beforeAll(async () => {
  server = await startTestServer({ clock });
  api = client(server);
  admin = await api.login(server.admin.email, server.admin.password);
  const session = (await api.get('/v1/auth/session', admin)).body;
  adminId = session.user.id;
  orgId = session.org.id;
  newAgent = agentBuilder(api, admin, 'vault-agent');
});
afterAll(() => server.close());

describe('integrations', () => {
  it('creates, reads, lists, changes and deletes an integration, auditing each change', async () => {
    const value = remember(secret('live'));
    const created = clean(
      await api.post(
        '/v1/integrations',
        {
          name: 'billing',
          display_name: 'Billing API',
          description: 'Invoices',
          base_url: 'https://billing.example.com/api/',
          auth: { type: 'api_key', in: 'header', name: 'X-Api-Key', value },
          rate_limit_rpm: 600,
        },
        admin,
      ),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const i = created.body;
    expect(i).toEqual({
      id: expect.stringMatching(/^int_[0-9a-z]{26}$/),
      name: 'billing',
      display_name: 'Billing API',
      description: 'Invoices',
      base_url: 'https://billing.example.com/api',
      auth: {
        type: 'api_key',
        in: 'header',
        name: 'X-Api-Key',
        credential_set: true,
        credential_updated_at: expect.any(String),
      },
      rate_limit_rpm: 600,
      status: 'active',
      created_by: adminId,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(clean(await api.get(`/v1/integrations/${i.id}`, admin)).body).toEqual(i);
    const list = clean(await api.get('/v1/integrations', admin));
    expect(list.body.items.map((x: any) => x.id)).toContain(i.id);

    // The gateway's view: the decrypted credential and what to inject upstream.
    const resolved = await vault().resolveCredential(orgId, i.id);
    expect(resolved.inject).toEqual({ headers: { 'x-api-key': value }, query: {} });
    expect((await vault().getByName(orgId, 'billing'))?.id).toBe(i.id);

    clock.advance(1000);
    const patched = clean(
      await api.patch(`/v1/integrations/${i.id}`, { display_name: 'Billing', rate_limit_rpm: null }, admin),
    );
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({ display_name: 'Billing', rate_limit_rpm: null });
    expect(patched.body.auth.credential_updated_at).toBe(i.auth.credential_updated_at);
    // Nothing changes: no write, no audit record.
    expect((await api.patch(`/v1/integrations/${i.id}`, { display_name: 'Billing' }, admin)).status).toBe(
      200,
    );

    // A new credential: write-only, replaces the old one at once.
    clock.advance(1000);
    const rotated = remember(secret('rotated'));
    const replaced = clean(
      await api.patch(
        `/v1/integrations/${i.id}`,
        { auth: { type: 'api_key', in: 'header', name: 'X-Api-Key', value: rotated } },
        admin,
      ),
    );
    expect(replaced.status, JSON.stringify(replaced.body)).toBe(200);
    expect(replaced.body.auth.credential_updated_at > i.auth.credential_updated_at).toBe(true);
    expect((await vault().resolveCredential(orgId, i.id)).inject.headers).toEqual({ 'x-api-key': rotated });

    // Metadata only (the header's name): the stored credential is kept.
    const renamed = clean(
      await api.patch(
        `/v1/integrations/${i.id}`,
        { auth: { type: 'api_key', in: 'query', name: 'key' } },
        admin,
      ),
    );
    expect(renamed.body.auth).toMatchObject({ in: 'query', name: 'key' });
    expect(renamed.body.auth.credential_updated_at).toBe(replaced.body.auth.credential_updated_at);
    expect((await vault().resolveCredential(orgId, i.id)).inject).toEqual({
      headers: {},
      query: { key: rotated },
    });

    expect((await api.del(`/v1/integrations/${i.id}`, admin)).status).toBe(204);
    expect((await api.get(`/v1/integrations/${i.id}`, admin)).status).toBe(404);
    expect((await api.del(`/v1/integrations/${i.id}`, admin)).status).toBe(404);
    expect((await api.patch(`/v1/integrations/${i.id}`, { description: 'x' }, admin)).status).toBe(404);
    await expect(vault().resolveCredential(orgId, i.id)).rejects.toMatchObject({ code: 'not_found' });
    expect(await vault().getByName(orgId, 'billing')).toBeNull();

    const events = await auditOf(i.id);
    expect(events.map((e) => e.action)).toEqual([
      'integration.created',
      'integration.credential_set',
      'integration.updated',
      'integration.credential_set',
      'integration.updated',
      'integration.deleted',
    ]);
    expect(events.every((e) => e.actor_type === 'user' && e.actor_id === adminId)).toBe(true);
    expect(events[2]?.details).toMatchObject({ fields: ['display_name', 'rate_limit_rpm'] });
    expect(events[4]?.details).toMatchObject({ fields: ['auth'] });
    for (const s of [value, rotated]) expect(JSON.stringify(events)).not.toContain(s);
  });

  it('describes each auth method by its metadata and injects its credential', async () => {
    const token = remember(secret('bearer'));
    const bearer = await create({ auth: { type: 'bearer', token } });
    expect(bearer.auth).toEqual({
      type: 'bearer',
      credential_set: true,
      credential_updated_at: expect.any(String),
    });
    expect((await vault().resolveCredential(orgId, bearer.id)).inject.headers).toEqual({
      authorization: `Bearer ${token}`,
    });

    const password = remember(secret('pw'));
    const basic = await create({ auth: { type: 'basic', username: 'svc', password } });
    expect(basic.auth).toMatchObject({ type: 'basic', username: 'svc', credential_set: true });
    expect((await vault().resolveCredential(orgId, basic.id)).inject.headers).toEqual({
      authorization: `Basic ${Buffer.from(`svc:${password}`).toString('base64')}`,
    });
    const material = (await vault().resolveCredential(orgId, basic.id)).material;
    expect(material).toEqual({ type: 'basic', username: 'svc', password });

    const query = await create({
      auth: { type: 'api_key', in: 'query', name: 'apikey', value: 'q-secret-1234' },
    });
    remember('q-secret-1234');
    expect((await vault().resolveCredential(orgId, query.id)).inject).toEqual({
      headers: {},
      query: { apikey: 'q-secret-1234' },
    });
  });

  it('never shows a credential: not in create, get, list, patch, nor any refusal', async () => {
    const value = remember(secret('hidden'));
    const i = await create({ name: 'hidden', auth: { type: 'bearer', token: value } });
    clean(await api.get(`/v1/integrations/${i.id}`, admin));
    clean(await api.get('/v1/integrations?limit=200', admin));
    clean(await api.get(`/v1/integrations/${i.id}/grants`, admin));
    // Refusals that carry the credential in the request.
    const dup = clean(
      await api.post(
        '/v1/integrations',
        { name: 'hidden', base_url: 'https://x.example.com', auth: { type: 'bearer', token: value } },
        admin,
      ),
    );
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('integration_exists');
    const unknownField = clean(
      await api.post(
        '/v1/integrations',
        {
          name: 'h2',
          base_url: 'https://x.example.com',
          auth: { type: 'bearer', token: value, extra: value },
        },
        admin,
      ),
    );
    expect(unknownField.status).toBe(400);
    const badValue = clean(
      await api.post(
        '/v1/integrations',
        {
          name: 'h3',
          base_url: 'https://x.example.com',
          auth: { type: 'bearer', token: `${value}\r\nX-Evil: 1` },
        },
        admin,
      ),
    );
    expect(badValue.status).toBe(400);
    expect(badValue.body.errors).toEqual([
      { field: 'body.auth.token', message: 'must not contain control characters' },
    ]);
    const wrongType = clean(
      await api.post(
        '/v1/integrations',
        { name: 'h4', base_url: 'https://x.example.com', auth: { type: 'basic', token: value } },
        admin,
      ),
    );
    expect(wrongType.status).toBe(400);
    const denied = clean(
      await api.post(
        '/v1/integrations',
        { name: 'h5', base_url: 'https://10.0.0.5', auth: { type: 'bearer', token: value } },
        admin,
      ),
    );
    expect(denied.status).toBe(422);
    const forbidden = clean(
      await api.patch(
        `/v1/integrations/${i.id}`,
        { auth: { type: 'bearer', token: value } },
        'not-a-session',
      ),
    );
    expect(forbidden.status).toBe(401);
    const patched = clean(
      await api.patch(
        `/v1/integrations/${i.id}`,
        { auth: { type: 'bearer', token: remember(secret('new')) } },
        admin,
      ),
    );
    expect(patched.status).toBe(200);
    const typeChange = clean(
      await api.patch(`/v1/integrations/${i.id}`, { auth: { type: 'basic', username: 'u' } }, admin),
    );
    expect(typeChange.status).toBe(400);
    expect(typeChange.body.code).toBe('credential_required');

    // At rest: not in the integrations row, only sealed in its own table.
    const row = await server.runtime.db.system
      .selectFrom('integrations')
      .selectAll()
      .where('id', '=', i.id)
      .executeTakeFirstOrThrow();
    const sealed = await server.runtime.db.system
      .selectFrom('integration_secrets')
      .selectAll()
      .where('integration_id', '=', i.id)
      .executeTakeFirstOrThrow();
    for (const s of secrets) {
      expect(JSON.stringify(row)).not.toContain(s);
      expect(JSON.stringify(sealed)).not.toContain(s);
    }
    expect(sealed.key_id).toMatch(/^[0-9a-f]{16}$/);
    // Nor in any audit record of this org.
    const audit = await server.runtime.db.system
      .selectFrom('audit_events')
      .select('details')
      .where('org_id', '=', orgId)
      .execute();
    for (const s of secrets) expect(JSON.stringify(audit)).not.toContain(s);
  });

  it('checks what it is given', async () => {
    const post = (body: Record<string, unknown>) =>
      api.post(
        '/v1/integrations',
        {
          name: 'checked',
          base_url: 'https://ok.example.com',
          auth: { type: 'bearer', token: 'tok-12345' },
          ...body,
        },
        admin,
      );
    remember('tok-12345');
    for (const [body, field] of [
      [{ name: 'Not_A_Slug' }, 'body.name'],
      [{ base_url: 'ftp://files.example.com' }, 'body.base_url'],
      [{ base_url: 'https://user:pw@api.example.com' }, 'body.base_url'],
      [{ base_url: 'https://api.example.com/?q=1' }, 'body.base_url'],
      [{ rate_limit_rpm: 0 }, 'body.rate_limit_rpm'],
      [{ auth: { type: 'api_key', in: 'header', name: 'Host', value: 'v-1234' } }, 'body.auth.name'],
      [{ auth: { type: 'api_key', in: 'cookie', name: 'k', value: 'v-1234' } }, 'body.auth.in'],
      [{ auth: { type: 'basic', username: 'a:b', password: 'v-1234' } }, 'body.auth.username'],
      [
        {
          auth: {
            type: 'oauth2_client_credentials',
            token_url: 'nope',
            client_id: 'c',
            client_secret: 's-1234',
          },
        },
        'body.auth.token_url',
      ],
      [{ auth: { type: 'none' } }, 'body.auth.type'],
    ] as const) {
      const r = await post(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.code).toBe('validation_failed');
      expect(r.body.errors.map((e: any) => e.field)).toContain(field);
    }
    expect((await api.get('/v1/integrations/int_nope', admin)).status).toBe(400);
  });

  it('is for admins only', async () => {
    const i = await create();
    for (const role of ['manager', 'member', 'viewer']) {
      const m = await api.addMember(admin, `vault-${role}@example.com`, role);
      for (const r of [
        await api.get('/v1/integrations', m.token),
        await api.get(`/v1/integrations/${i.id}`, m.token),
        await api.post(
          '/v1/integrations',
          { name: 'x', base_url: 'https://x.example.com', auth: { type: 'bearer', token: 'role-token-1' } },
          m.token,
        ),
        await api.patch(`/v1/integrations/${i.id}`, { description: 'x' }, m.token),
        await api.del(`/v1/integrations/${i.id}`, m.token),
        await api.get('/v1/egress', m.token),
        await api.call('PUT', '/v1/egress', { token: m.token, body: { hosts: [] } }),
      ]) {
        expect(r.status).toBe(403);
        expect(r.body.code).toBe('insufficient_role');
      }
    }
    expect((await api.get('/v1/integrations')).status).toBe(401);
  });

  it("hides another org's integrations", async () => {
    const mine = await create({ name: 'private-one' });
    const other = await otherOrgAdmin(api, admin, 'vault-other');
    expect((await api.get(`/v1/integrations/${mine.id}`, other.token)).status).toBe(404);
    expect((await api.patch(`/v1/integrations/${mine.id}`, { description: 'x' }, other.token)).status).toBe(
      404,
    );
    expect((await api.del(`/v1/integrations/${mine.id}`, other.token)).status).toBe(404);
    expect((await api.get(`/v1/integrations/${mine.id}/grants`, other.token)).status).toBe(404);
    expect((await api.get('/v1/integrations', other.token)).body.items).toEqual([]);
    // The same name is free in another org.
    const theirs = await create({ name: 'private-one' }, other.token);
    expect(theirs.id).not.toBe(mine.id);
    await expect(vault().resolveCredential(other.orgId, mine.id)).rejects.toMatchObject({
      code: 'not_found',
    });
    expect((await vault().getByName(other.orgId, 'private-one'))?.id).toBe(theirs.id);
  });

  it('paginates with a cursor', async () => {
    const other = await otherOrgAdmin(api, admin, 'vault-pages');
    const made = [];
    for (let k = 0; k < 5; k++) made.push((await create({}, other.token)).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const page: Reply = await api.get(`/v1/integrations${q}`, other.token);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((x: any) => x.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(made);
  });

  it('disables an integration: the gateway gets integration_disabled', async () => {
    const i = await create();
    await api.patch(`/v1/integrations/${i.id}`, { status: 'disabled' }, admin);
    await expect(vault().resolveCredential(orgId, i.id)).rejects.toMatchObject({
      status: 403,
      code: 'integration_disabled',
    });
    await api.patch(`/v1/integrations/${i.id}`, { status: 'active' }, admin);
    expect((await vault().resolveCredential(orgId, i.id)).type).toBe('api_key');
  });
});

describe('grants', () => {
  it('lets admins grant and revoke agents, and the gateway sees it at once', async () => {
    const i = await create();
    const agent = await newAgent();
    expect(await vault().isGranted(orgId, i.id, agent.id)).toBe(false);

    const put = await api.call('PUT', `/v1/integrations/${i.id}/grants/${agent.id}`, { token: admin });
    expect(put.status, JSON.stringify(put.body)).toBe(201);
    expect(put.body).toEqual({
      integration_id: i.id,
      agent_id: agent.id,
      created_by: adminId,
      created_at: expect.any(String),
    });
    const again = await api.call('PUT', `/v1/integrations/${i.id}/grants/${agent.id}`, { token: admin });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(put.body);
    expect(await vault().isGranted(orgId, i.id, agent.id)).toBe(true);

    expect((await api.get(`/v1/integrations/${i.id}/grants`, admin)).body).toEqual({
      items: [put.body],
      next_cursor: null,
    });
    const ofAgent = clean(await api.get(`/v1/agents/${agent.id}/integrations`, admin));
    expect(ofAgent.body.items.map((x: any) => x.id)).toEqual([i.id]);

    expect((await api.del(`/v1/integrations/${i.id}/grants/${agent.id}`, admin)).status).toBe(204);
    expect((await api.del(`/v1/integrations/${i.id}/grants/${agent.id}`, admin)).status).toBe(404);
    expect(await vault().isGranted(orgId, i.id, agent.id)).toBe(false);
    expect((await api.get(`/v1/agents/${agent.id}/integrations`, admin)).body.items).toEqual([]);

    const events = await auditOf(i.id);
    expect(events.map((e) => e.action).slice(-2)).toEqual(['integration.granted', 'integration.revoked']);
    expect(events.at(-1)?.details).toMatchObject({ agent_id: agent.id });
  });

  it('refuses unknown agents and integrations, and drops grants with their integration', async () => {
    const i = await create();
    const agent = await newAgent();
    const ghost = 'agt_00000000000000000000000000';
    expect((await api.call('PUT', `/v1/integrations/${i.id}/grants/${ghost}`, { token: admin })).status).toBe(
      404,
    );
    expect((await api.get(`/v1/agents/${ghost}/integrations`, admin)).status).toBe(404);
    const missing = 'int_00000000000000000000000000';
    expect(
      (await api.call('PUT', `/v1/integrations/${missing}/grants/${agent.id}`, { token: admin })).status,
    ).toBe(404);
    expect((await api.get(`/v1/integrations/${missing}/grants`, admin)).status).toBe(404);

    expect(
      (await api.call('PUT', `/v1/integrations/${i.id}/grants/${agent.id}`, { token: admin })).status,
    ).toBe(201);
    expect(await vault().isGranted(orgId, i.id, agent.id)).toBe(true);
    expect((await api.del(`/v1/integrations/${i.id}`, admin)).status).toBe(204);
    expect(await vault().isGranted(orgId, i.id, agent.id)).toBe(false);
    expect((await api.get(`/v1/agents/${agent.id}/integrations`, admin)).body.items).toEqual([]);
  });

  it("does not grant another org's agent", async () => {
    const other = await otherOrgAdmin(api, admin, 'vault-grants');
    const theirAgent = await agentBuilder(api, other.token, 'their-agent')();
    const i = await create();
    const r = await api.call('PUT', `/v1/integrations/${i.id}/grants/${theirAgent.id}`, { token: admin });
    expect(r.status).toBe(404);
    expect(await vault().isGranted(orgId, i.id, theirAgent.id)).toBe(false);
  });
});

describe('egress', () => {
  it('starts open to public https hosts; an allowlist narrows it; private addresses need allow_private', async () => {
    const other = await otherOrgAdmin(api, admin, 'vault-egress');
    const t = other.token;
    expect((await api.get('/v1/egress', t)).body).toEqual({
      hosts: [],
      allow_private: [],
      updated_by: null,
      updated_at: null,
    });
    const post = (base_url: string, auth?: Record<string, unknown>) =>
      api.post(
        '/v1/integrations',
        { name: `eg-${++n}`, base_url, auth: auth ?? { type: 'bearer', token: 'eg-token-1' } },
        t,
      );
    remember('eg-token-1');
    expect((await post('https://api.anywhere.example')).status).toBe(201);
    for (const url of [
      'http://api.anywhere.example',
      'https://127.0.0.1:8443',
      'https://169.254.169.254/latest',
      'https://[::1]/',
      'https://[::ffff:7f00:1]/',
      'https://localhost/',
      'https://2130706433/',
      'https://10.1.2.3/',
    ]) {
      const r = await post(url);
      expect(r.status, url).toBe(422);
      expect(r.body.code).toBe('egress_denied');
      expect(r.body.errors[0].field).toBe('body.base_url');
    }

    const bad = await api.call('PUT', '/v1/egress', {
      token: t,
      body: { hosts: ['ok.example.com', 'bad host', '*.com'], allow_private: ['10.0.0.0/33'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => e.field)).toEqual([
      'body.hosts.1',
      'body.hosts.2',
      'body.allow_private.0',
    ]);

    const put = await api.call('PUT', '/v1/egress', {
      token: t,
      body: { hosts: ['API.Example.com', '*.corp.example', '127.0.0.1'], allow_private: ['127.0.0.1'] },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toMatchObject({
      hosts: ['api.example.com', '*.corp.example', '127.0.0.1'],
      allow_private: ['127.0.0.1'],
    });
    expect((await api.get('/v1/egress', t)).body).toEqual(put.body);

    expect((await post('https://api.example.com/v2')).status).toBe(201);
    expect((await post('https://billing.eu.corp.example')).status).toBe(201);
    expect((await post('http://127.0.0.1:9000')).status).toBe(201);
    for (const url of ['https://api.anywhere.example', 'https://corp.example', 'https://10.0.0.1']) {
      expect((await post(url)).status, url).toBe(422);
    }
    // The token URL of an oauth2 integration passes the same rules.
    const oauth = (token_url: string) =>
      post('https://api.example.com', {
        type: 'oauth2_client_credentials',
        token_url,
        client_id: 'cid',
        client_secret: 'eg-token-1',
      });
    const r = await oauth('https://login.elsewhere.example/token');
    expect(r.status).toBe(422);
    expect(r.body.errors[0].field).toBe('body.auth.token_url');
    expect((await oauth('https://sso.corp.example/token')).status).toBe(201);

    const events = await server.runtime.db.system
      .selectFrom('audit_events')
      .select(['action', 'details'])
      .where('org_id', '=', other.orgId)
      .where('action', '=', 'egress.updated')
      .execute();
    expect(events).toHaveLength(1);
    expect(events[0]?.details).toMatchObject({
      hosts: ['api.example.com', '*.corp.example', '127.0.0.1'],
      allowed_addresses: ['127.0.0.1'],
      previous: { hosts: [], allowed_addresses: [] },
    });
    expect(await vault().egressPolicy(other.orgId)).toEqual({
      hosts: ['api.example.com', '*.corp.example', '127.0.0.1'],
      allow_private: ['127.0.0.1'],
    });
  });

  it('checkEgress: hosts, schemes and addresses, with and without a resolved IP', () => {
    const open: EgressPolicy = { hosts: [], allow_private: [] };
    const listed = {
      hosts: ['api.example.com', '*.example.org', '127.0.0.1'],
      allow_private: ['127.0.0.1', '10.8.0.0/16'],
    };
    const yes = (p: EgressPolicy, url: string, ip?: string) =>
      expect(checkEgress(p, url, ip).allowed, `${url} ${ip}`).toBe(true);
    const no = (p: EgressPolicy, url: string, ip?: string) =>
      expect(checkEgress(p, url, ip).allowed, `${url} ${ip}`).toBe(false);
    yes(open, 'https://api.example.com/x');
    yes(open, 'https://api.example.com/x', '93.184.216.34');
    yes(open, 'https://[2606:4700::1111]/');
    no(open, 'https://api.example.com/x', '10.0.0.1');
    no(open, 'https://api.example.com/x', '::ffff:10.0.0.1');
    no(open, 'https://api.example.com/x', 'fd12::1');
    no(open, 'https://api.example.com/x', 'fe80::1');
    no(open, 'https://api.example.com/x', '0.0.0.0');
    no(open, 'https://api.example.com/x', 'not-an-ip');
    no(open, 'http://api.example.com/x');
    no(open, 'ftp://api.example.com/x');
    no(open, 'https://u:p@api.example.com/x');
    no(open, 'https://0x7f.1/');
    no(open, 'https://LOCALHOST./');
    no(open, 'https://app.localhost/');
    yes(listed, 'https://api.example.com');
    yes(listed, 'http://api.example.com');
    yes(listed, 'https://a.b.example.org');
    no(listed, 'https://example.org');
    no(listed, 'https://evil-example.org');
    no(listed, 'https://api.example.com.evil.net');
    yes(listed, 'http://127.0.0.1:8080');
    no(listed, 'https://api.example.com', '127.0.0.2');
    yes(listed, 'https://api.example.com', '10.8.3.4');
    no(listed, 'https://api.example.com', '10.9.3.4');
    no(listed, 'https://api.example.com', '169.254.169.254');
    for (const ip of [
      '127.0.0.1',
      '10.1.1.1',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.0.1',
      '::1',
      'fc00::1',
      '100.64.0.1',
    ])
      expect(isPrivateAddress(ip), ip).toBe(true);
    for (const ip of ['8.8.8.8', '172.32.0.1', '192.169.0.1', '2001:4860:4860::8888', '11.0.0.1'])
      expect(isPrivateAddress(ip), ip).toBe(false);
  });
});

/** A tiny OAuth token endpoint on 127.0.0.1 that counts its calls and says what it saw. */
function tokenEndpoint() {
  const seen: { authorization?: string | undefined; body: string }[] = [];
  const state = { status: 200, delayMs: 0, expiresIn: 120 as number | undefined, n: 0 };
  let srv: Server;
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => resolve(body));
    });
  return {
    seen,
    state,
    url: '',
    async start() {
      srv = createServer(async (req, res) => {
        const body = await read(req);
        seen.push({ authorization: req.headers.authorization, body });
        await new Promise((r) => setTimeout(r, state.delayMs));
        res.writeHead(state.status, { 'content-type': 'application/json' });
        res.end(
          state.status === 200
            ? JSON.stringify({
                access_token: `upstream-${++state.n}`,
                token_type: 'bearer',
                expires_in: state.expiresIn,
              })
            : JSON.stringify({ error: 'invalid_client', error_description: body }),
        );
      });
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
      this.url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/token`;
    },
    close: () => new Promise<void>((r) => srv.close(() => r())),
  };
}

describe('oauth2 client credentials', () => {
  const upstream = tokenEndpoint();
  let other: { token: string; orgId: string };
  beforeAll(async () => {
    await upstream.start();
    other = await otherOrgAdmin(api, admin, 'vault-oauth');
    const put = await api.call('PUT', '/v1/egress', {
      token: other.token,
      body: { hosts: ['api.example.com', '127.0.0.1'], allow_private: ['127.0.0.1'] },
    });
    expect(put.status).toBe(200);
  });
  afterAll(() => upstream.close());

  it('fetches, caches, refreshes and coalesces upstream tokens', async () => {
    const clientSecret = remember(secret('cs'));
    const i = await create(
      {
        base_url: 'https://api.example.com',
        auth: {
          type: 'oauth2_client_credentials',
          token_url: upstream.url,
          client_id: 'gatehouse client',
          client_secret: clientSecret,
          scope: 'read write',
          audience: 'https://api.example.com',
        },
      },
      other.token,
    );
    expect(i.auth).toEqual({
      type: 'oauth2_client_credentials',
      token_url: upstream.url,
      client_id: 'gatehouse client',
      scope: 'read write',
      audience: 'https://api.example.com',
      client_auth: 'basic',
      credential_set: true,
      credential_updated_at: expect.any(String),
    });

    const first = await vault().resolveCredential(other.orgId, i.id);
    expect(first.accessToken?.token).toBe('upstream-1');
    expect(first.inject).toEqual({ headers: { authorization: 'Bearer upstream-1' }, query: {} });
    expect(upstream.seen).toHaveLength(1);
    const seen = upstream.seen[0];
    expect(seen?.authorization).toBe(
      `Basic ${Buffer.from(`gatehouse+client:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
    );
    expect(Object.fromEntries(new URLSearchParams(seen?.body))).toEqual({
      grant_type: 'client_credentials',
      scope: 'read write',
      audience: 'https://api.example.com',
    });

    // Cached until shortly before it expires.
    clock.advance(50_000);
    expect((await vault().resolveCredential(other.orgId, i.id)).accessToken?.token).toBe('upstream-1');
    expect(upstream.seen).toHaveLength(1);

    // Within the last minute: one refresh for any number of callers at once.
    clock.advance(15_000);
    upstream.state.delayMs = 50;
    const many = await Promise.all(
      Array.from({ length: 20 }, () => vault().resolveCredential(other.orgId, i.id)),
    );
    expect(new Set(many.map((r) => r.accessToken?.token))).toEqual(new Set(['upstream-2']));
    expect(upstream.seen).toHaveLength(2);
    upstream.state.delayMs = 0;

    // A refresh that fails while the current token is still valid keeps the current token.
    clock.advance(61_000);
    upstream.state.status = 500;
    expect((await vault().resolveCredential(other.orgId, i.id)).accessToken?.token).toBe('upstream-2');
    // Once it has expired, the failure is the caller's, without the upstream's body (which quoted the secret).
    clock.advance(120_000);
    const failed = await vault()
      .resolveCredential(other.orgId, i.id)
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(AppError);
    expect(failed).toMatchObject({ status: 502, code: 'upstream_token_failed' });
    expect((failed as Error).message).not.toContain(clientSecret);
    upstream.state.status = 200;

    // A new client secret: the next token is fetched with it, never the old one's token reused.
    const newSecret = remember(secret('cs2'));
    const patched = clean(
      await api.patch(
        `/v1/integrations/${i.id}`,
        {
          auth: {
            type: 'oauth2_client_credentials',
            token_url: upstream.url,
            client_id: 'gatehouse client',
            client_secret: newSecret,
            scope: 'read write',
            audience: 'https://api.example.com',
            client_auth: 'post',
          },
        },
        other.token,
      ),
    );
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const after = await vault().resolveCredential(other.orgId, i.id);
    expect(after.accessToken?.token).toMatch(/^upstream-\d+$/);
    expect(after.accessToken?.token).not.toBe('upstream-2');
    const last = upstream.seen.at(-1);
    expect(last?.authorization).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(last?.body))).toMatchObject({
      client_id: 'gatehouse client',
      client_secret: newSecret,
    });
  });

  it('refuses a token URL the egress policy no longer allows, at fetch time', async () => {
    const i = await create(
      {
        base_url: 'https://api.example.com',
        auth: {
          type: 'oauth2_client_credentials',
          token_url: upstream.url,
          client_id: 'c',
          client_secret: 'egress-cs-1',
        },
      },
      other.token,
    );
    remember('egress-cs-1');
    const calls = upstream.seen.length;
    await api.call('PUT', '/v1/egress', {
      token: other.token,
      body: { hosts: ['api.example.com', '127.0.0.1'] },
    });
    await expect(vault().resolveCredential(other.orgId, i.id)).rejects.toMatchObject({
      code: 'egress_denied',
    });
    expect(upstream.seen.length).toBe(calls);
    await api.call('PUT', '/v1/egress', {
      token: other.token,
      body: { hosts: ['api.example.com', '127.0.0.1'], allow_private: ['127.0.0.1'] },
    });
    expect((await vault().resolveCredential(other.orgId, i.id)).accessToken?.token).toMatch(/^upstream-/);
  });
});
