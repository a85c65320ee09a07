import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './client.js';
import { startTestServer, type TestServer } from './harness.js';
import { clientBuilder, formPost, otherOrgAdmin, type TestClient } from './oauth-fixture.js';

let server: TestServer;
let api: ReturnType<typeof client>;
let admin: string;
let newClient: ReturnType<typeof clientBuilder>;
/** An agent allowed to ask the decision API (a gateway's service account). */
let checker: TestClient;
let checkerToken: string;

beforeAll(async () => {
  server = await startTestServer();
  api = client(server);
  admin = await api.login(server.admin.email, server.admin.password);
  newClient = clientBuilder(api, admin, 'authz');
  checker = await newClient({ allowed_scopes: ['gatehouse:authz.check'] });
  checkerToken = await checker.token();
});
afterAll(() => server.close());

const github = { type: 'Integration', id: 'int_github', name: 'github' };

const grant = async (agentId: string, body: Record<string, unknown>) => {
  const r = await api.post(`/v1/agents/${agentId}/skills`, body, admin);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
};
const check = async (body: Record<string, unknown>, token = checkerToken) => {
  const r = await api.post('/v1/authz/check', body, token);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};
const savePolicies = (text: string, token = admin) =>
  api.call('PUT', '/v1/authz/policies', { token, body: { text } });
const deniedRecords = async (agentId: string) =>
  (await api.get(`/v1/audit?action=authz.denied&actor=${agentId}`, admin)).body.items;

describe('capabilities and skills', () => {
  it('lists the 14 capabilities and the actions that need them', async () => {
    const r = await api.get('/v1/capabilities', admin);
    expect(r.status).toBe(200);
    expect(r.body.capabilities).toHaveLength(14);
    expect(r.body.actions).toContainEqual(
      expect.objectContaining({
        name: 'integration.call',
        capability: 'integration_execute',
        resource: 'Integration',
      }),
    );
    expect(r.body.actions).toContainEqual(
      expect.objectContaining({ name: 'room.post', capability: 'data_write' }),
    );
  });

  it('grants, lists and revokes skills, with who granted them and until when', async () => {
    const a = await newClient();
    const until = new Date(Date.now() + 3600_000).toISOString();
    const s = await grant(a.agentId, { capability: 'data_read', note: 'reads reports', expires_at: until });
    expect(s).toMatchObject({ capability: 'data_read', note: 'reads reports', live: true });
    expect(s.granted_by).toMatch(/^usr_/);
    expect(new Date(s.expires_at).getTime()).toBe(new Date(until).getTime());
    const listed = await api.get(`/v1/agents/${a.agentId}/skills`, admin);
    expect(listed.body.items.map((x: { capability: string }) => x.capability)).toEqual(['data_read']);
    expect((await api.del(`/v1/agents/${a.agentId}/skills/data_read`, admin)).status).toBe(204);
    expect((await api.get(`/v1/agents/${a.agentId}/skills`, admin)).body.items).toEqual([]);
    const again = await api.del(`/v1/agents/${a.agentId}/skills/data_read`, admin);
    expect(again.status).toBe(404);
  });

  it('refuses an unknown capability, a past expiry and an agent of another org', async () => {
    const a = await newClient();
    const unknown = await api.post(`/v1/agents/${a.agentId}/skills`, { capability: 'fly' }, admin);
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('validation_failed');
    const past = await api.post(
      `/v1/agents/${a.agentId}/skills`,
      { capability: 'data_read', expires_at: new Date(Date.now() - 1000).toISOString() },
      admin,
    );
    expect(past.status).toBe(400);
    expect(past.body.code).toBe('invalid_skill');
    const other = await otherOrgAdmin(api, admin, 'skills');
    const foreign = await api.post(
      `/v1/agents/${a.agentId}/skills`,
      { capability: 'data_read' },
      other.token,
    );
    expect(foreign.status).toBe(404);
    expect((await api.get(`/v1/agents/${a.agentId}/skills`, other.token)).status).toBe(404);
  });

  it('lets managers read and only admins grant; an agent needs the authz scopes', async () => {
    const a = await newClient();
    const manager = await api.addMember(admin, 'authz-manager@example.com', 'manager');
    expect((await api.get(`/v1/agents/${a.agentId}/skills`, manager.token)).status).toBe(200);
    const denied = await api.post(
      `/v1/agents/${a.agentId}/skills`,
      { capability: 'data_read' },
      manager.token,
    );
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('insufficient_role');
    const noScope = await api.get(`/v1/agents/${a.agentId}/skills`, checkerToken);
    expect(noScope.status).toBe(403);
    expect(noScope.body.code).toBe('insufficient_scope');
    const viaCheck = await api.post(
      '/v1/authz/check',
      { agent_id: a.agentId, action: 'data.read', resource: github },
      manager.token,
    );
    expect(viaCheck.status).toBe(403);
  });

  it('finds the agents holding a capability, most trusted first, and the best one', async () => {
    const low = await newClient();
    const high = await newClient();
    const suspended = await newClient();
    for (const a of [low, high, suspended]) await grant(a.agentId, { capability: 'event_publish' });
    const set = (id: string, trust: number) =>
      api.call('PUT', `/v1/agents/${id}/attributes`, {
        token: admin,
        body: { tags: ['ops'], trust_score: trust },
      });
    expect((await set(low.agentId, 20)).status).toBe(200);
    expect((await set(high.agentId, 90)).status).toBe(200);
    expect((await set(suspended.agentId, 99)).status).toBe(200);
    await api.call('PATCH', `/v1/agents/${suspended.agentId}`, {
      token: admin,
      body: { status: 'suspended' },
    });
    const holders = await api.get('/v1/capabilities/event_publish/agents', admin);
    expect(holders.body.items.map((h: { agent_id: string }) => h.agent_id)).toEqual([
      high.agentId,
      low.agentId,
    ]);
    const best = await api.get('/v1/capabilities/event_publish/best-agent', admin);
    expect(best.body).toMatchObject({ agent_id: high.agentId, trust_score: 90, tags: ['ops'] });
    const none = await api.get('/v1/capabilities/system_admin/best-agent', admin);
    expect(none.status).toBe(404);
    const badScore = await set(low.agentId, 101);
    expect(badScore.status).toBe(400);
  });
});

describe('decisions', () => {
  it('denies without the capability (audited with the reason) and allows with it', async () => {
    const a = await newClient();
    const before = await check({ agent_id: a.agentId, action: 'integration.call', resource: github });
    expect(before).toMatchObject({
      allowed: false,
      capability: 'integration_execute',
      reasons: ['missing_capability:integration_execute'],
    });
    const records = await deniedRecords(a.agentId);
    expect(records[0]).toMatchObject({
      action: 'authz.denied',
      outcome: 'failure',
      target: { type: 'integration', id: 'int_github' },
      details: { action: 'integration.call', reasons: ['missing_capability:integration_execute'] },
    });
    await grant(a.agentId, { capability: 'integration_execute' });
    const after = await check({ agent_id: a.agentId, action: 'integration.call', resource: github });
    expect(after).toMatchObject({
      allowed: true,
      reasons: ['permitted_by:default-permit'],
      policies: ['default-permit'],
      policy_version: 0,
    });
  });

  it('denies an unknown action, a resource of the wrong kind, an expired skill and a suspended agent', async () => {
    const a = await newClient();
    await grant(a.agentId, {
      capability: 'data_read',
      expires_at: new Date(Date.now() + 1500).toISOString(),
    });
    const unknown = await check({
      agent_id: a.agentId,
      action: 'data.delete',
      resource: { type: 'Dataset', id: 'd' },
    });
    expect(unknown.reasons).toEqual(['unknown_action:data.delete']);
    const wrongKind = await check({ agent_id: a.agentId, action: 'data.read', resource: github });
    expect(wrongKind.reasons).toEqual(['resource_type_mismatch:Dataset']);
    const live = await check({
      agent_id: a.agentId,
      action: 'data.read',
      resource: { type: 'Dataset', id: 'reports' },
    });
    expect(live.allowed).toBe(true);
    await new Promise((r) => setTimeout(r, 1600));
    const expired = await check({
      agent_id: a.agentId,
      action: 'data.read',
      resource: { type: 'Dataset', id: 'other' },
    });
    expect(expired.reasons).toEqual(['missing_capability:data_read']);
    await grant(a.agentId, { capability: 'data_read' });
    await api.call('PATCH', `/v1/agents/${a.agentId}`, { token: admin, body: { status: 'suspended' } });
    const suspended = await check({
      agent_id: a.agentId,
      action: 'data.read',
      resource: { type: 'Dataset', id: 'x' },
    });
    expect(suspended.reasons).toEqual(['agent_suspended']);
  });

  it('caches a decision briefly and drops it at once when a skill is revoked', async () => {
    const a = await newClient();
    await grant(a.agentId, { capability: 'data_write' });
    const room = { type: 'Room', id: 'room_1' };
    const first = await check({ agent_id: a.agentId, action: 'room.post', resource: room });
    const second = await check({ agent_id: a.agentId, action: 'room.post', resource: room });
    expect([first.cached, second.cached, second.allowed]).toEqual([false, true, true]);
    expect((await api.del(`/v1/agents/${a.agentId}/skills/data_write`, admin)).status).toBe(204);
    const after = await check({ agent_id: a.agentId, action: 'room.post', resource: room });
    expect(after).toMatchObject({ allowed: false, cached: false });
  });

  it("decides for a token: its agent, scopes and delegation chain; refuses a bad or another org's token", async () => {
    const subject = await newClient({ allowed_scopes: ['docs:read'] });
    const actor = await newClient({ allowed_scopes: ['docs:read'] });
    await grant(subject.agentId, { capability: 'data_read' });
    const ds = { type: 'Dataset', id: 'docs' };
    const own = await check({ token: await subject.token(), action: 'data.read', resource: ds });
    expect(own.allowed).toBe(true);

    const g = await api.post(
      '/v1/delegations',
      { actor_agent_id: actor.agentId, subject: { type: 'agent', id: subject.agentId } },
      admin,
    );
    expect(g.status).toBe(201);
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
    expect((await check({ token: delegated, action: 'data.read', resource: ds })).allowed).toBe(true);

    const saved = await savePolicies(
      '@id("all")\npermit (principal, action, resource);\n@id("no-delegation")\nforbid (principal, action, resource) when { context.delegation_depth > 0 };\n',
    );
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    const forbidden = await check({ token: delegated, action: 'data.read', resource: ds });
    expect(forbidden).toMatchObject({
      allowed: false,
      reasons: ['forbidden_by:no-delegation'],
      policy_version: saved.body.version,
    });
    // The denial is the actor's, with the subject it acted for.
    const [record] = await deniedRecords(actor.agentId);
    expect(record.actor).toMatchObject({ type: 'agent', id: actor.agentId, chain: { sub: subject.agentId } });
    expect((await check({ token: await subject.token(), action: 'data.read', resource: ds })).allowed).toBe(
      true,
    );

    const token = await subject.token();
    const tampered = `${token.slice(0, -4)}AAAA`;
    expect((await check({ token: tampered, action: 'data.read', resource: ds })).reasons[0]).toMatch(
      /^invalid_token:/,
    );
    const other = await otherOrgAdmin(api, admin, 'check');
    const foreignChecker = await clientBuilder(
      api,
      other.token,
      'foreign',
    )({ allowed_scopes: ['gatehouse:authz.check'] }, other.token);
    const foreign = await check({ token, action: 'data.read', resource: ds }, await foreignChecker.token());
    expect(foreign).toMatchObject({
      allowed: false,
      reasons: ['invalid_token:not issued in this organization'],
    });
    const byId = await check(
      { agent_id: subject.agentId, action: 'data.read', resource: ds },
      await foreignChecker.token(),
    );
    expect(byId.reasons).toEqual(['unknown_agent']);
    await savePolicies('@id("all")\npermit (principal, action, resource);\n');
  });
});

describe('policies', () => {
  it('refuses an invalid policy set with line-precise errors and keeps the one in force', async () => {
    const before = (await api.get('/v1/authz/policies', admin)).body;
    const text =
      'permit (principal, action, resource);\n\nforbid (principal, action, resource)\n  when { principal.shoe_size > 3 };\n';
    const r = await savePolicies(text);
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('invalid_policy');
    expect(r.body.errors[0]).toMatchObject({ field: 'body.text', line: 4 });
    expect(r.body.errors[0].message).toMatch(/shoe_size/);
    const syntax = await savePolicies('permit (principal action, resource);');
    expect(syntax.status).toBe(422);
    expect(syntax.body.errors[0]).toMatchObject({ line: 1 });
    const unknownAction = await savePolicies(
      'forbid (principal, action == Action::"room.delete", resource);',
    );
    expect(unknownAction.status).toBe(422);
    expect((await api.get('/v1/authz/policies', admin)).body).toEqual(before);
  });

  it('versions every save, applies the new one at once, and keeps the old ones readable', async () => {
    const a = await newClient();
    await grant(a.agentId, { capability: 'integration_execute' });
    const slack = { type: 'Integration', id: 'int_slack', name: 'slack' };
    expect((await check({ agent_id: a.agentId, action: 'integration.call', resource: slack })).allowed).toBe(
      true,
    );
    const v = await savePolicies(
      '@id("only-github")\npermit (principal, action == Action::"integration.call", resource is Integration)\n  when { resource has name && resource.name == "github" };\n@id("rest")\npermit (principal, action, resource) unless { action == Action::"integration.call" };\n',
    );
    expect(v.status, JSON.stringify(v.body)).toBe(201);
    expect(v.body.policies).toEqual([
      { id: 'only-github', effect: 'permit' },
      { id: 'rest', effect: 'permit' },
    ]);
    const denied = await check({ agent_id: a.agentId, action: 'integration.call', resource: slack });
    expect(denied).toMatchObject({ allowed: false, reasons: ['no_permit'], policy_version: v.body.version });
    expect(
      (await check({ agent_id: a.agentId, action: 'integration.call', resource: github })).reasons,
    ).toEqual(['permitted_by:only-github']);
    const versions = (await api.get('/v1/authz/policies/versions', admin)).body.items;
    expect(versions[0].version).toBe(v.body.version);
    const old = await api.get(`/v1/authz/policies/versions/${versions[1].version}`, admin);
    expect(old.status).toBe(200);
    expect((await api.get('/v1/authz/policies/versions/9999', admin)).status).toBe(404);
    await savePolicies('@id("all")\npermit (principal, action, resource);\n');
  });

  it('simulates with the policies in force or a draft, without auditing or saving', async () => {
    const a = await newClient();
    await grant(a.agentId, { capability: 'data_write' });
    await api.call('PUT', `/v1/agents/${a.agentId}/attributes`, {
      token: admin,
      body: { tags: ['intern'], trust_score: 10 },
    });
    const version = (await api.get('/v1/authz/policies', admin)).body.version;
    const body = {
      agent_id: a.agentId,
      action: 'room.post',
      resource: { type: 'Room', id: 'general' },
      context: { ip: '10.1.2.3' },
    };
    const now = await api.post('/v1/authz/simulate', body, admin);
    expect(now.body).toMatchObject({ allowed: true, policy_version: version });
    const draft = await api.post(
      '/v1/authz/simulate',
      {
        ...body,
        policies:
          '@id("all")\npermit (principal, action, resource);\n@id("interns-internal-only")\nforbid (principal, action, resource)\n  when { principal.tags.contains("intern") && principal.trust_score < 50 && context has ip && !context.ip.isInRange(ip("192.168.0.0/16")) };\n',
      },
      admin,
    );
    expect(draft.body).toMatchObject({
      allowed: false,
      reasons: ['forbidden_by:interns-internal-only'],
      policy_version: -1,
    });
    expect((await api.get('/v1/authz/policies', admin)).body.version).toBe(version);
    expect(await deniedRecords(a.agentId)).toEqual([]);
    const badDraft = await api.post('/v1/authz/simulate', { ...body, policies: 'nonsense' }, admin);
    expect(badDraft.status).toBe(422);
  });

  it('gives Cedar every attribute a policy names, however it is spelled', async () => {
    // Decisions leave out the attributes no policy names; a forbid whose attribute went
    // missing would error, and Cedar skips a policy that errors: it must still deny.
    const a = await newClient();
    await grant(a.agentId, { capability: 'data_write' });
    const body = {
      agent_id: a.agentId,
      action: 'room.post',
      resource: { type: 'Room', id: 'general' },
      context: { path: '/admin/rooms' },
    };
    const forbids = [
      'context has path && context["path"] like "/admin/*"',
      'principal.skills.contains("data_write")',
      'context.hour >= 0 && context.weekday >= 0 && context.now > 0',
      'context.scopes.isEmpty() && context.actors.isEmpty()',
    ];
    for (const when of forbids) {
      const draft = await api.post(
        '/v1/authz/simulate',
        {
          ...body,
          policies: `@id("all")\npermit (principal, action, resource);\n@id("f")\nforbid (principal, action, resource) when { ${when} };\n`,
        },
        admin,
      );
      expect(draft.body, when).toMatchObject({ allowed: false, reasons: ['forbidden_by:f'] });
    }
  });
});
