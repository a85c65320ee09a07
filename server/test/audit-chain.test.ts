import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChainedFields, chainHash } from '../src/modules/audit/canonical.js';
import type { Trx } from '../src/platform/db/database.js';
import { appendRecords, tamper as tamperAs } from './audit-tamper.js';
import { client } from './client.js';
import { startTestServer, type TestServer } from './harness.js';
import { clientBuilder, otherOrgAdmin } from './oauth-fixture.js';

/**
 * The tamper-evident audit log at the HTTP boundary: each tampering is done directly in the
 * database as its owner, with the append-only triggers bypassed as only a superuser can, and
 * GET /v1/audit/verify must name the exact seq and kind of the break.
 */
let server: TestServer;
let api: ReturnType<typeof client>;
let admin: string;
let orgId: string;

beforeAll(async () => {
  server = await startTestServer();
  api = client(server);
  admin = await api.login(server.admin.email, server.admin.password);
  orgId = (await api.get('/v1/auth/session', admin)).body.org.id;
});
afterAll(() => server.close());

let orgs = 0;
/** A fresh org with `count` more records appended to its chain; its admin's token. */
async function orgWithChain(count = 10) {
  const org = await otherOrgAdmin(api, admin, `chain-${++orgs}`);
  await appendRecords(server.runtime.db, org.orgId, count);
  const verified = await verify(org.token);
  expect(verified.ok, JSON.stringify(verified)).toBe(true);
  return { ...org, last: verified.last_seq as number };
}

async function verify(token: string, query = '') {
  const r = await api.get(`/v1/audit/verify${query}`, token);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

const tamper = (fn: (trx: Trx) => Promise<unknown>) => tamperAs(server.runtime.db, fn);

const rowAt = async (org: string, seq: number) =>
  (
    await sql<
      Record<string, unknown>
    >`select * from audit_events where org_id = ${org} and seq = ${seq}`.execute(server.runtime.db.system)
  ).rows[0] as Record<string, unknown>;

/** A record's chained fields, as a forger who read the source would compute them. */
function fieldsOf(row: Record<string, unknown>, overrides: Partial<ChainedFields> = {}): ChainedFields {
  return {
    org_id: row.org_id as string,
    seq: Number(row.seq),
    id: row.id as string,
    at: (row.at as Date).toISOString(),
    actor_type: row.actor_type as string,
    actor_id: row.actor_id as string | null,
    actor_chain: row.actor_chain ?? null,
    action: row.action as string,
    target_type: row.target_type as string | null,
    target_id: row.target_id as string | null,
    outcome: row.outcome as string,
    ip: row.ip as string | null,
    user_agent: row.user_agent as string | null,
    request_id: row.request_id as string | null,
    details: row.details,
    ...overrides,
  };
}

describe('a chain left alone', () => {
  it('verifies every record, from the start or over a range', async () => {
    const org = await orgWithChain(12);
    const all = await verify(org.token);
    expect(all).toMatchObject({ ok: true, org_id: org.orgId, from_seq: 1, verified: org.last, break: null });
    expect(all.message).toBe(`verified ${org.last} events up to seq ${org.last}`);
    const part = await verify(org.token, '?from=3&to=7');
    expect(part).toMatchObject({ ok: true, from_seq: 3, verified: 5, last_seq: 7 });
  });

  it('holds token issuance records chained with everything else', async () => {
    const newClient = clientBuilder(api, admin, 'chain-agent');
    const c = await newClient({ allowed_scopes: ['read'] });
    for (let i = 0; i < 5; i++) await c.token({ scope: 'read' });
    const report = await verify(admin);
    expect(report.ok, JSON.stringify(report)).toBe(true);
    const issued = await api.get('/v1/audit?action=token.issued&limit=5', admin);
    expect(issued.body.items).toHaveLength(5);
    const seqs = issued.body.items.map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
  });
});

describe('tampering, each case on its own', () => {
  it('a modified field: modified at its seq', async () => {
    const org = await orgWithChain();
    await tamper((trx) =>
      sql`update audit_events set details = '{"n": 99}' where org_id = ${org.orgId} and seq = 5`.execute(trx),
    );
    expect((await verify(org.token)).break).toMatchObject({ seq: 5, kind: 'modified' });
  });

  it('a modified record whose hash was recomputed: modified at its seq, seen from the next link', async () => {
    const org = await orgWithChain();
    const row = await rowAt(org.orgId, 5);
    const forged = chainHash(row.prev_hash as string, fieldsOf(row, { outcome: 'failure' }));
    await tamper((trx) =>
      sql`update audit_events set outcome = 'failure', hash = ${forged}
          where org_id = ${org.orgId} and seq = 5`.execute(trx),
    );
    expect((await verify(org.token)).break).toMatchObject({ seq: 5, kind: 'modified' });
  });

  it('a deleted record: deleted at its seq', async () => {
    const org = await orgWithChain();
    await tamper((trx) => sql`delete from audit_events where org_id = ${org.orgId} and seq = 6`.execute(trx));
    expect((await verify(org.token)).break).toMatchObject({ seq: 6, kind: 'deleted' });
  });

  it('a deleted record with the rest renumbered to hide the gap: deleted at its seq', async () => {
    const org = await orgWithChain();
    await tamper(async (trx) => {
      await sql`delete from audit_events where org_id = ${org.orgId} and seq = 6`.execute(trx);
      await sql`update audit_events set seq = seq - 1 where org_id = ${org.orgId} and seq > 6`.execute(trx);
    });
    expect((await verify(org.token)).break).toMatchObject({ seq: 6, kind: 'deleted' });
  });

  it('two records swapped: reordered at the first', async () => {
    const org = await orgWithChain();
    await tamper((trx) =>
      sql`update audit_events set seq = case seq when 4 then 8 else 4 end
          where org_id = ${org.orgId} and seq in (4, 8)`.execute(trx),
    );
    expect((await verify(org.token)).break).toMatchObject({ seq: 4, kind: 'reordered' });
  });

  it('two neighbours swapped: reordered at the first', async () => {
    const org = await orgWithChain();
    await tamper((trx) =>
      sql`update audit_events set seq = case seq when 4 then 5 else 4 end
          where org_id = ${org.orgId} and seq in (4, 5)`.execute(trx),
    );
    expect((await verify(org.token)).break).toMatchObject({ seq: 4, kind: 'reordered' });
  });

  it('a forged record slipped in, linked and hashed correctly, the rest renumbered: inserted at its seq', async () => {
    const org = await orgWithChain();
    const before = await rowAt(org.orgId, 4);
    const fields = fieldsOf(before, { id: 'aud_forged', seq: 5, action: 'user.login', details: {} });
    await tamper(async (trx) => {
      await sql`update audit_events set seq = seq + 1 where org_id = ${org.orgId} and seq >= 5`.execute(trx);
      await insertForged(trx, fields, before.hash as string);
    });
    expect((await verify(org.token)).break).toMatchObject({ seq: 5, kind: 'inserted' });
  });

  it('a forged record sharing a seq with a real one: inserted at that seq', async () => {
    const org = await orgWithChain();
    const before = await rowAt(org.orgId, 4);
    const fields = fieldsOf(before, { id: 'aud_forged', seq: 5, action: 'user.login', details: {} });
    await tamper((trx) => insertForged(trx, fields, before.hash as string));
    expect((await verify(org.token)).break).toMatchObject({ seq: 5, kind: 'inserted' });
  });

  it('leaves every other org’s chain verified', async () => {
    const report = await verify(admin);
    expect(report.ok, JSON.stringify(report)).toBe(true);
  });
});

async function insertForged(trx: Trx, fields: ChainedFields, prevHash: string) {
  await trx
    .insertInto('audit_events')
    .values({
      ...fields,
      actor_type: fields.actor_type as 'system',
      outcome: fields.outcome as 'success',
      actor_chain: null,
      details: JSON.stringify(fields.details),
      prev_hash: prevHash,
      hash: chainHash(prevHash, fields),
    })
    .execute();
}

describe('append-only', () => {
  it('refuses updates, deletes and truncation even to the owner, with the triggers on', async () => {
    const db = server.runtime.db.system;
    for (const statement of [
      sql`update audit_events set action = 'x' where org_id = ${orgId}`,
      sql`delete from audit_events where org_id = ${orgId}`,
      sql`truncate audit_events`,
    ]) {
      await expect(statement.execute(db)).rejects.toThrow(/append-only/);
    }
    expect((await verify(admin)).ok).toBe(true);
  });

  it('gives the application role no way to change a record', async () => {
    await expect(
      server.runtime.db.tenant(orgId, (trx) =>
        sql`update audit_events set action = 'x' where org_id = ${orgId}`.execute(trx),
      ),
    ).rejects.toThrow(/permission denied|append-only/);
  });
});

describe('GET /v1/audit', () => {
  it('filters by action prefix, actor, target and outcome, newest first, page by page', async () => {
    const org = await orgWithChain(7);
    const all = await api.get('/v1/audit?action=test.*&limit=3', org.token);
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    expect(all.body.items.map((e: { details: { n: number } }) => e.details.n)).toEqual([6, 5, 4]);
    const next = await api.get(`/v1/audit?action=test.*&limit=3&cursor=${all.body.next_cursor}`, org.token);
    expect(next.body.items.map((e: { details: { n: number } }) => e.details.n)).toEqual([3, 2, 1]);
    const one = await api.get('/v1/audit?target=thing_2', org.token);
    expect(one.body.items).toHaveLength(1);
    expect(one.body.items[0]).toMatchObject({
      org_id: org.orgId,
      actor: { type: 'system', id: 'test', chain: null },
      action: 'test.recorded',
      target: { type: 'thing', id: 'thing_2' },
      outcome: 'success',
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      prev_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect((await api.get('/v1/audit?actor=test&outcome=failure', org.token)).body.items).toEqual([]);
  });

  it('shows an org only its own records', async () => {
    const org = await orgWithChain(3);
    const mine = await api.get('/v1/audit?limit=200', admin);
    expect(mine.body.items.every((e: { org_id: string }) => e.org_id === orgId)).toBe(true);
    expect((await api.get('/v1/audit?target=thing_0', admin)).body.items).toEqual([]);
    expect((await api.get('/v1/audit?target=thing_0', org.token)).body.items).toHaveLength(1);
  });

  it('refuses non-admins and bad filters', async () => {
    const viewer = await api.addMember(admin, 'audit-viewer@example.com', 'viewer');
    const refused = await api.get('/v1/audit', viewer.token);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('insufficient_role');
    expect((await api.get('/v1/audit/verify', viewer.token)).status).toBe(403);
    expect((await api.get('/v1/audit')).status).toBe(401);
    const bad = await api.get('/v1/audit?from=yesterday', admin);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
    expect((await api.get('/v1/audit?cursor=bm9wZQ', admin)).body.code).toBe('invalid_cursor');
    expect((await api.get('/v1/audit/verify?from=0', admin)).status).toBe(400);
  });

  it('lets an agent read with gatehouse:audit.read, and no other agent', async () => {
    const newClient = clientBuilder(api, admin, 'audit-reader');
    const reader = await newClient({ allowed_scopes: ['gatehouse:audit.read'] });
    const token = await reader.token({ scope: 'gatehouse:audit.read' });
    expect((await api.get('/v1/audit?limit=1', token)).status).toBe(200);
    const other = await newClient({ allowed_scopes: ['gatehouse:agents.read'] });
    const otherToken = await other.token({ scope: 'gatehouse:agents.read' });
    const refused = await api.get('/v1/audit?limit=1', otherToken);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toContain('insufficient_scope');
  });
});
