import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBuilder } from './agents-fixture.js';
import { client } from './client.js';
import { manualClock, startTestServer, type TestServer } from './harness.js';
import { basic, clientBuilder, formPost, otherOrgAdmin } from './oauth-fixture.js';

/** GET /v1/compliance/report: SOC 2-style controls judged against live state, over HTTP. */
const DAY = 86_400_000;
// The clock starts 120 days back, so that ages can be made real by moving it forward: the
// audit log is stamped by the process clock, which the manual clock then catches up with.
const clock = manualClock(new Date(Date.now() - 120 * DAY));
let server: TestServer;
let api: ReturnType<typeof client>;
let admin: string;
let adminId: string;
let orgId: string;
let newClient: ReturnType<typeof clientBuilder>;
let newAgent: ReturnType<typeof agentBuilder>;

const signIn = async () => {
  admin = await api.login(server.admin.email, server.admin.password);
};

beforeAll(async () => {
  server = await startTestServer({ clock, env: { GATEHOUSE_MAX_ADMINS: '2' } });
  api = client(server);
  await signIn();
  const session = (await api.get('/v1/auth/session', admin)).body;
  adminId = session.user.id;
  orgId = session.org.id;
  newClient = clientBuilder(api, admin, 'cmp-client');
  newAgent = agentBuilder(api, admin, 'cmp-agent');
});
afterAll(() => server.close());

async function report(token = admin, query = '?fresh=1') {
  const r = await api.get(`/v1/compliance/report${query}`, token);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}
const control = (rep: any, id: string) => {
  const found = rep.controls.find((c: any) => c.id === id);
  expect(found, id).toBeDefined();
  return found;
};
const statuses = (rep: any) => Object.fromEntries(rep.controls.map((c: any) => [c.id, c.status]));
const offendingIds = (rep: any, id: string, key: string) =>
  control(rep, id).evidence.offending.map((o: any) => o[key]);

const generatedRecords = () =>
  server.runtime.db.system
    .selectFrom('audit_events')
    .select(['actor_type', 'actor_id', 'details'])
    .where('org_id', '=', orgId)
    .where('action', '=', 'compliance.report_generated')
    .orderBy('seq')
    .execute();

describe('compliance report', () => {
  it('judges a new org: not_applicable where there is nothing to check, pass elsewhere', async () => {
    const rep = await report();
    expect(rep).toMatchObject({ org_id: orgId, generated_at: clock.now().toISOString() });
    expect(statuses(rep)).toEqual({
      'CC6.1-credential-age': 'not_applicable',
      'CC6.1-token-lifetime': 'not_applicable',
      'CC6.1-signing-key-age': 'not_applicable',
      'CC6.1-password-policy': 'pass',
      'CC6.2-credential-idle': 'not_applicable',
      'CC6.2-agent-owner': 'not_applicable',
      'CC6.3-admin-count': 'pass',
      'CC7.2-audit-chain': 'pass',
    });
    expect(rep.summary).toEqual({ passed: 3, failed: 0 });
    expect(control(rep, 'CC6.3-admin-count').evidence).toEqual({ count: 1, max: 2, admin_ids: [adminId] });
    expect(control(rep, 'CC6.1-password-policy').evidence).toMatchObject({
      scope: 'installation',
      min_length: 12,
      hash: { algorithm: 'argon2id', memory_kib: 19_456, time_cost: 2, parallelism: 1 },
      login_max_failures_per_account: 10,
      failing: [],
    });
    const chain = control(rep, 'CC7.2-audit-chain');
    expect(chain.evidence).toMatchObject({ break: null, last_seq: expect.any(Number) });
    expect(chain.evidence.message).toBe(
      `verified ${chain.evidence.last_seq} events up to seq ${chain.evidence.last_seq}`,
    );
    for (const c of rep.controls) expect(c.remediation).toEqual(expect.any(String));
  });

  it('is for admins, and for agents whose token carries gatehouse:audit.read', async () => {
    expect((await api.get('/v1/compliance/report')).status).toBe(401);
    const manager = await api.addMember(admin, 'cmp-manager@example.com', 'manager');
    const refused = await api.get('/v1/compliance/report', manager.token);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body.code).toBe('insufficient_role');

    const reader = await newClient({ allowed_scopes: ['gatehouse:audit.read'] });
    const asAgent = await report(await reader.token({ scope: 'gatehouse:audit.read' }));
    expect(asAgent.org_id).toBe(orgId);
    const records = await generatedRecords();
    expect(records.at(-1)).toMatchObject({ actor_type: 'agent', actor_id: reader.agentId });

    const other = await newClient({ allowed_scopes: ['gatehouse:agents.read'] });
    const noScope = await api.get(
      '/v1/compliance/report',
      await other.token({ scope: 'gatehouse:agents.read' }),
    );
    expect(noScope.status).toBe(403);
    expect(noScope.body.code).toBe('insufficient_scope');
  });

  it('lists agents whose token lifetime is above the policy, and agents whose owner left the org', async () => {
    const long = await newAgent({ display_name: '<script>alert(1)</script>', token_ttl_seconds: 7200 });
    const owner = await api.addMember(admin, 'cmp-owner@example.com', 'manager');
    const orphan = await newAgent({ owner: owner.id });

    let rep = await report();
    expect(control(rep, 'CC6.1-token-lifetime')).toMatchObject({
      status: 'fail',
      evidence: {
        max_ttl_seconds: 3600,
        offending: [
          {
            agent_id: long.id,
            name: long.name,
            display_name: '<script>alert(1)</script>',
            token_ttl_seconds: 7200,
          },
        ],
      },
    });
    expect(control(rep, 'CC6.2-agent-owner')).toMatchObject({ status: 'pass', evidence: { offending: [] } });

    expect((await api.del(`/v1/users/${owner.id}`, admin)).status).toBe(204);
    rep = await report();
    expect(control(rep, 'CC6.2-agent-owner')).toMatchObject({
      status: 'fail',
      evidence: {
        offending: [
          { agent_id: orphan.id, name: orphan.name, display_name: orphan.name, owner_user_id: owner.id },
        ],
      },
    });
    expect(rep.summary.failed).toBe(2);

    // Put right, the findings go.
    expect((await api.patch(`/v1/agents/${long.id}`, { token_ttl_seconds: 3600 }, admin)).status).toBe(200);
    expect((await api.patch(`/v1/agents/${orphan.id}`, { owner: adminId }, admin)).status).toBe(200);
    rep = await report();
    expect(control(rep, 'CC6.1-token-lifetime').status).toBe('pass');
    expect(control(rep, 'CC6.2-agent-owner').status).toBe('pass');
  });

  it('fails when the org has more admins than the configured maximum', async () => {
    const a = await api.addMember(admin, 'cmp-admin-a@example.com', 'admin');
    expect(control(await report(), 'CC6.3-admin-count').status).toBe('pass');
    const b = await api.addMember(admin, 'cmp-admin-b@example.com', 'admin');
    const rep = await report();
    expect(control(rep, 'CC6.3-admin-count')).toMatchObject({
      status: 'fail',
      evidence: { count: 3, max: 2 },
    });
    expect(control(rep, 'CC6.3-admin-count').evidence.admin_ids.sort()).toEqual([adminId, a.id, b.id].sort());

    expect((await api.patch(`/v1/users/${b.id}`, { role: 'manager' }, admin)).status).toBe(200);
    expect(control(await report(), 'CC6.3-admin-count').evidence).toMatchObject({ count: 2 });
  });

  it('ages credentials and the signing key by the clock; rotation and use clear the findings', async () => {
    const used = await newClient();
    await used.token();
    const spare = await api.post(`/v1/agents/${used.agentId}/credentials`, { type: 'client_secret' }, admin);
    expect(spare.status).toBe(201);
    let rep = await report();
    expect(statuses(rep)).toMatchObject({
      'CC6.1-credential-age': 'pass',
      'CC6.2-credential-idle': 'pass',
      'CC6.1-signing-key-age': 'pass',
    });
    const kid = control(rep, 'CC6.1-signing-key-age').evidence.key.kid;

    clock.advance(100 * DAY);
    await signIn();
    rep = await report();
    expect(control(rep, 'CC6.1-credential-age')).toMatchObject({
      status: 'fail',
      evidence: { max_age_days: 90 },
    });
    expect(control(rep, 'CC6.1-credential-age').evidence.offending).toEqual(
      expect.arrayContaining([
        {
          credential_id: used.credentialId,
          agent_id: used.agentId,
          type: 'client_secret',
          since: expect.any(String),
          age_days: 100,
        },
        expect.objectContaining({ credential_id: spare.body.id, age_days: 100 }),
      ]),
    );
    expect(control(rep, 'CC6.2-credential-idle')).toMatchObject({
      status: 'fail',
      evidence: { max_idle_days: 90 },
    });
    expect(control(rep, 'CC6.2-credential-idle').evidence.offending).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          credential_id: used.credentialId,
          last_used_at: expect.any(String),
          idle_days: 100,
        }),
        expect.objectContaining({ credential_id: spare.body.id, last_used_at: null, idle_days: 100 }),
      ]),
    );
    expect(control(rep, 'CC6.1-signing-key-age')).toMatchObject({
      status: 'fail',
      evidence: { rotation_days: 90, scheduled_rotation: true, key: { kid, age_days: 100 } },
    });

    const rotated = await api.post(
      `/v1/agents/${used.agentId}/credentials/${used.credentialId}/rotate`,
      { grace_seconds: 0 },
      admin,
    );
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    const issued = await formPost(
      api,
      '/oauth/token',
      { grant_type: 'client_credentials' },
      { authorization: basic(used.clientId, rotated.body.client_secret) },
    );
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    // last_used_at is written off the token path: wait for it rather than for a time.
    await expect
      .poll(async () => offendingIds(await report(), 'CC6.2-credential-idle', 'credential_id'))
      .not.toContain(used.credentialId);
    rep = await report();
    const aged = offendingIds(rep, 'CC6.1-credential-age', 'credential_id');
    expect(aged).not.toContain(used.credentialId);
    expect(aged).toContain(spare.body.id);
    expect(offendingIds(rep, 'CC6.2-credential-idle', 'credential_id')).toContain(spare.body.id);

    // A rotated key signs only after the publish-ahead delay: until then the old one is current.
    expect((await api.post('/v1/admin/keys/rotate', {}, admin)).status).toBe(201);
    expect(control(await report(), 'CC6.1-signing-key-age').evidence.key.kid).toBe(kid);
    clock.advance(301_000);
    const key = control(await report(), 'CC6.1-signing-key-age');
    expect(key.status).toBe('pass');
    expect(key.evidence.key).toMatchObject({ age_days: 0 });
    expect(key.evidence.key.kid).not.toBe(kid);
  });

  it('answers from a per-org cache for 30 s unless fresh=1, recording each report it computes', async () => {
    const first = await report();
    const recorded = (await generatedRecords()).length;
    expect((await generatedRecords()).at(-1)).toMatchObject({
      actor_type: 'user',
      actor_id: adminId,
      details: {
        controls: first.controls.length,
        failed: first.summary.failed,
        failing: first.controls.filter((c: any) => c.status === 'fail').map((c: any) => c.id),
      },
    });
    const cached = await report(admin, '');
    expect(cached).toEqual(first);
    expect(await generatedRecords()).toHaveLength(recorded);

    clock.advance(31_000);
    const later = await report(admin, '');
    expect(later.generated_at).toBe(clock.now().toISOString());
    expect(await generatedRecords()).toHaveLength(recorded + 1);
    expect((await report()).generated_at).toBe(later.generated_at);
    expect(await generatedRecords()).toHaveLength(recorded + 2);
  });

  it('downloads as JSON, and as a printable HTML page with every text escaped', async () => {
    const current = await report(admin, '');
    const json = await api.get('/v1/compliance/report?format=json', admin);
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(json.headers.get('content-disposition')).toBe(
      `attachment; filename="gatehouse-compliance-${orgId}-${current.generated_at.slice(0, 10)}.json"`,
    );
    expect(json.body).toEqual(current);

    // An agent still carrying a script-like display name puts it in the evidence.
    await newAgent({ display_name: '<script>alert(1)</script>', token_ttl_seconds: 7200 }, admin);
    await report();
    const html = await api.get('/v1/compliance/report?format=html', admin);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html.headers.get('content-security-policy')).toMatch(
      /^default-src 'none'; style-src 'unsafe-inline'/,
    );
    const page = html.body as string;
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toMatch(/<script/i);
    expect(page).toContain('@media print');
    expect(page).not.toMatch(/<link|src=|href=/i);
    for (const c of current.controls) expect(page).toContain(c.id);

    for (const query of ['?format=xml', '?fresh=yes', '?other=1']) {
      const bad = await api.get(`/v1/compliance/report${query}`, admin);
      expect(bad.status, query).toBe(400);
      expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(bad.body.code).toBe('validation_failed');
    }
  });

  it("reports another org's own state only", async () => {
    const other = await otherOrgAdmin(api, admin, 'cmp');
    const rep = await report(other.token);
    expect(rep.org_id).toBe(other.orgId);
    expect(control(rep, 'CC6.1-token-lifetime').status).toBe('not_applicable');
    expect(control(rep, 'CC6.3-admin-count').evidence.count).toBe(1);
    expect(control(rep, 'CC6.3-admin-count').evidence.admin_ids).not.toContain(adminId);
  });

  it('fails the audit chain control once a record is altered in the database', async () => {
    await server.runtime.db.transaction(async (trx) => {
      // As the owner with triggers off: what someone with database access could do.
      await sql`set local session_replication_role = replica`.execute(trx);
      await sql`update audit_events set details = '{"tampered": true}'
        where org_id = ${orgId} and seq = 2`.execute(trx);
    });
    const rep = await report();
    expect(control(rep, 'CC7.2-audit-chain')).toMatchObject({
      status: 'fail',
      evidence: {
        message: 'chain broken at seq 2: modified (record 2 does not match its hash)',
        last_seq: 1,
        break: { seq: 2, kind: 'modified' },
      },
    });
  });
});

describe('password policy control', () => {
  let strict: TestServer;
  beforeAll(async () => {
    strict = await startTestServer({ env: { GATEHOUSE_LOGIN_MAX_FAILURES_PER_ACCOUNT: '500' } });
  });
  afterAll(() => strict.close());

  it('fails when logins may fail more than 100 times per account', async () => {
    const c = client(strict);
    const token = await c.login(strict.admin.email, strict.admin.password);
    const r = await c.get('/v1/compliance/report', token);
    expect(r.status).toBe(200);
    expect(control(r.body, 'CC6.1-password-policy')).toMatchObject({
      status: 'fail',
      evidence: {
        login_max_failures_per_account: 500,
        required: { login_max_failures_per_account: 100 },
        failing: ['login_max_failures_per_account'],
      },
    });
  });
});
