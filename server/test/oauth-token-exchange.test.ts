import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './client.js';
import { startTestServer, type TestServer } from './harness.js';
import { clientBuilder, formPost, otherOrgAdmin, type TestClient } from './oauth-fixture.js';

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const AT = 'urn:ietf:params:oauth:token-type:access_token';

let server: TestServer;
let api: ReturnType<typeof client>;
let admin: string;
let adminId: string;
let newClient: ReturnType<typeof clientBuilder>;
let subject: TestClient;
let actorA: TestClient;
let actorB: TestClient;
let rs: TestClient;

beforeAll(async () => {
  server = await startTestServer();
  api = client(server);
  admin = await api.login(server.admin.email, server.admin.password);
  adminId = (await api.get('/v1/auth/session', admin)).body.user.id;
  newClient = clientBuilder(api, admin, 'tx');
  subject = await newClient({ allowed_scopes: ['docs:read', 'docs:write', 'mail:send'] });
  actorA = await newClient({ allowed_scopes: ['docs:read', 'docs:write', 'crm:read'] });
  actorB = await newClient({ allowed_scopes: ['docs:read', 'docs:write'] });
  rs = await newClient({ allowed_scopes: ['gatehouse:introspect'] });
});
afterAll(() => server.close());

const grant = async (body: Record<string, unknown>, token = admin) => {
  const r = await api.post('/v1/delegations', body, token);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
};
const exchange = (actor: TestClient, subjectToken: string, extra: Record<string, string> = {}) =>
  formPost(
    api,
    '/oauth/token',
    { grant_type: GRANT, subject_token: subjectToken, subject_token_type: AT, ...extra },
    actor.auth,
  );
const introspect = (token: string) => formPost(api, '/oauth/introspect', { token }, rs.auth);

describe('token exchange (RFC 8693)', () => {
  it('is refused without a delegation grant', async () => {
    const r = await exchange(actorA, await subject.token());
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_grant');
  });

  it('issues a token for the subject with the actor in act and the intersected scope', async () => {
    const g = await grant({
      actor_agent_id: actorA.agentId,
      subject: { type: 'agent', id: subject.agentId },
    });
    expect(g).toMatchObject({ status: 'active', max_depth: 1, scopes: null, created_by: adminId });
    const subjectToken = await subject.token();
    const r = await exchange(actorA, subjectToken);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({
      issued_token_type: AT,
      token_type: 'Bearer',
      scope: 'docs:read docs:write',
    });
    const info = await introspect(r.body.access_token);
    expect(info.body).toMatchObject({
      active: true,
      sub: subject.agentId,
      client_id: actorA.clientId,
      act: { sub: actorA.agentId, client_id: actorA.clientId },
    });
    const subjectExp = (await introspect(subjectToken)).body.exp;
    expect(info.body.exp).toBeLessThanOrEqual(subjectExp);
    const events = await server.runtime.db.system
      .selectFrom('audit_events')
      .select(['action', 'actor_id', 'actor_chain'])
      .where('action', '=', 'token.exchanged')
      .execute();
    // The actor made the call, for the subject: the record carries the chain as the token does.
    expect(events).toContainEqual({
      action: 'token.exchanged',
      actor_id: actorA.agentId,
      actor_chain: { sub: subject.agentId, act: { sub: actorA.agentId, client_id: actorA.clientId } },
    });
  });

  it('narrows to the requested scope and refuses scope beyond the intersection', async () => {
    const subjectToken = await subject.token();
    const narrowed = await exchange(actorA, subjectToken, { scope: 'docs:read' });
    expect(narrowed.body.scope).toBe('docs:read');
    for (const scope of ['mail:send', 'crm:read']) {
      const r = await exchange(actorA, subjectToken, { scope });
      expect(r.status, scope).toBe(400);
      expect(r.body.error, scope).toBe('invalid_scope');
    }
    const limited = await grant({
      actor_agent_id: actorB.agentId,
      subject: { type: 'agent', id: subject.agentId },
      scopes: ['docs:read'],
    });
    const r = await exchange(actorB, subjectToken);
    expect(r.body.scope).toBe('docs:read');
    expect((await api.del(`/v1/delegations/${limited.id}`, admin)).status).toBe(204);
  });

  it('nests act for chains, within the grant depth only', async () => {
    const first = (await exchange(actorA, await subject.token())).body.access_token;
    const shallow = await grant({
      actor_agent_id: actorB.agentId,
      subject: { type: 'agent', id: subject.agentId },
    });
    const tooDeep = await exchange(actorB, first);
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.body).toMatchObject({ error: 'invalid_grant' });
    expect(tooDeep.body.error_description).toMatch(/2 deep/);
    await api.del(`/v1/delegations/${shallow.id}`, admin);
    await grant({
      actor_agent_id: actorB.agentId,
      subject: { type: 'agent', id: subject.agentId },
      max_depth: 2,
    });
    const chained = await exchange(actorB, first);
    expect(chained.status, JSON.stringify(chained.body)).toBe(200);
    const info = await introspect(chained.body.access_token);
    expect(info.body.sub).toBe(subject.agentId);
    expect(info.body.act).toEqual({
      sub: actorB.agentId,
      client_id: actorB.clientId,
      act: { sub: actorA.agentId, client_id: actorA.clientId },
    });
    // A back in its own chain is a cycle, whatever the grants say.
    await grant({
      actor_agent_id: actorA.agentId,
      subject: { type: 'agent', id: subject.agentId },
      max_depth: 3,
    });
    const cycle = await exchange(actorA, chained.body.access_token);
    expect(cycle.body.error).toBe('invalid_grant');
  });

  it('acts for a signed-in user given the user session as subject token', async () => {
    await grant({
      actor_agent_id: actorA.agentId,
      subject: { type: 'user', id: adminId },
      scopes: ['crm:read'],
    });
    const r = await exchange(actorA, admin);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.scope).toBe('crm:read');
    const info = await introspect(r.body.access_token);
    expect(info.body).toMatchObject({ sub: adminId, act: { sub: actorA.agentId } });
  });

  it('refuses bad subject tokens, a revoked grant and malformed requests', async () => {
    const lone = await newClient({ allowed_scopes: ['docs:read'] });
    const g = await grant({ actor_agent_id: lone.agentId, subject: { type: 'agent', id: subject.agentId } });
    const subjectToken = await subject.token();
    expect((await exchange(lone, subjectToken)).status).toBe(200);
    expect((await api.del(`/v1/delegations/${g.id}`, admin)).status).toBe(204);
    expect((await exchange(lone, subjectToken)).body.error).toBe('invalid_grant');

    expect((await exchange(actorA, 'garbage')).body.error).toBe('invalid_grant');
    const other = await otherOrgAdmin(api, admin, 'tx');
    const foreign = await (await clientBuilder(api, other.token, 'foreign')()).token();
    expect((await exchange(actorA, foreign)).body.error).toBe('invalid_grant');
    const wrongType = await exchange(actorA, subjectToken, { subject_token_type: 'urn:x' });
    expect(wrongType.body.error).toBe('invalid_request');
    const withActor = await exchange(actorA, subjectToken, {
      actor_token: subjectToken,
      actor_token_type: AT,
    });
    expect(withActor.body.error).toBe('invalid_request');
    // The subject stops: its tokens can no longer be exchanged.
    await api.patch(`/v1/agents/${subject.agentId}`, { status: 'suspended' }, admin);
    expect((await exchange(actorA, subjectToken)).body.error).toBe('invalid_grant');
    await api.patch(`/v1/agents/${subject.agentId}`, { status: 'active' }, admin);
  });
});

describe('a token acting for a user', () => {
  it('ends when the user is removed from the org', async () => {
    const member = await api.addMember(admin, 'tx-member@example.com', 'member');
    const memberId = (await api.get('/v1/auth/session', member.token)).body.user.id;
    await grant({ actor_agent_id: actorB.agentId, subject: { type: 'user', id: memberId } });
    const r = await exchange(actorB, member.token);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect((await introspect(r.body.access_token)).body.active).toBe(true);
    expect((await api.del(`/v1/users/${memberId}`, admin)).status).toBe(204);
    expect((await introspect(r.body.access_token)).body).toEqual({ active: false });
  });
});

describe('revoking a grant', () => {
  it('ends the tokens issued under it at once, and those exchanged from them', async () => {
    const subj = await newClient({ allowed_scopes: ['docs:read'] });
    const first = await newClient({ allowed_scopes: ['docs:read', 'gatehouse:agents.read'] });
    const second = await newClient({ allowed_scopes: ['docs:read'] });
    const g1 = await grant({ actor_agent_id: first.agentId, subject: { type: 'agent', id: subj.agentId } });
    await grant({
      actor_agent_id: second.agentId,
      subject: { type: 'agent', id: subj.agentId },
      max_depth: 2,
    });
    const delegated = (await exchange(first, await subj.token())).body.access_token;
    const chained = (await exchange(second, delegated)).body.access_token;
    expect((await introspect(delegated)).body.active).toBe(true);
    expect((await introspect(chained)).body.active).toBe(true);
    // A token the grant did not issue lives on.
    const own = await first.token();

    expect((await api.del(`/v1/delegations/${g1.id}`, admin)).status).toBe(204);
    expect((await introspect(delegated)).body).toEqual({ active: false });
    expect((await introspect(chained)).body).toEqual({ active: false });
    expect((await introspect(own)).body.active).toBe(true);
  });
});

describe('/v1/delegations', () => {
  it('validates grants, filters by status, revokes once, and isolates orgs', async () => {
    const self = await api.post(
      '/v1/delegations',
      { actor_agent_id: actorA.agentId, subject: { type: 'agent', id: actorA.agentId } },
      admin,
    );
    expect(self.status).toBe(400);
    const ghost = await api.post(
      '/v1/delegations',
      { actor_agent_id: actorA.agentId, subject: { type: 'user', id: 'usr_00000000000000000000000000' } },
      admin,
    );
    expect(ghost.status).toBe(400);
    const mismatch = await api.post(
      '/v1/delegations',
      { actor_agent_id: actorA.agentId, subject: { type: 'user', id: subject.agentId } },
      admin,
    );
    expect(mismatch.status).toBe(400);
    const past = await api.post(
      '/v1/delegations',
      {
        actor_agent_id: actorA.agentId,
        subject: { type: 'agent', id: subject.agentId },
        expires_at: '2000-01-01T00:00:00Z',
      },
      admin,
    );
    expect(past.status).toBe(400);

    const revoked = (await api.get('/v1/delegations?status=revoked', admin)).body.items;
    expect(revoked.length).toBeGreaterThan(0);
    expect(revoked.every((d: { status: string }) => d.status === 'revoked')).toBe(true);
    expect((await api.del(`/v1/delegations/${revoked[0].id}`, admin)).status).toBe(409);
    const mine = (await api.get(`/v1/delegations?actor_agent_id=${actorB.agentId}&status=active`, admin))
      .body;
    expect(mine.items.every((d: { actor_agent_id: string }) => d.actor_agent_id === actorB.agentId)).toBe(
      true,
    );

    const viewer = await api.addMember(admin, 'tx-viewer@example.com', 'viewer');
    expect((await api.get('/v1/delegations', viewer.token)).status).toBe(403);
    const other = await otherOrgAdmin(api, admin, 'tx-iso');
    expect((await api.get(`/v1/delegations/${revoked[0].id}`, other.token)).status).toBe(404);
    expect((await api.del(`/v1/delegations/${mine.items[0].id}`, other.token)).status).toBe(404);
  });
});

describe('a delegated token on the management API', () => {
  it('is recorded as the actor agent acting for the subject, with the chain', async () => {
    const manager = await newClient({ allowed_scopes: ['gatehouse:agents.write'] });
    const helper = await newClient({ allowed_scopes: ['gatehouse:agents.write'] });
    await grant({ actor_agent_id: helper.agentId, subject: { type: 'agent', id: manager.agentId } });
    const delegated = await exchange(helper, await manager.token());
    expect(delegated.status, JSON.stringify(delegated.body)).toBe(200);
    const created = await api.post('/v1/agents', { name: 'made-for-manager' }, delegated.body.access_token);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const record = await api.get(`/v1/audit?action=agent.created&target=${created.body.id}`, admin);
    expect(record.body.items).toHaveLength(1);
    expect(record.body.items[0].actor).toEqual({
      type: 'agent',
      id: helper.agentId,
      chain: { sub: manager.agentId, act: { sub: helper.agentId, client_id: helper.clientId } },
    });
  });
});
