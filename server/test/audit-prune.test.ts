import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anchorsOf } from '../src/modules/audit/anchors.js';
import { pruneBefore } from '../src/modules/audit/retention.js';
import { newId } from '../src/platform/ids.js';
import { appendRecords, tamper } from './audit-tamper.js';
import { client } from './client.js';
import { startTestServer, type TestServer } from './harness.js';

/** Retention: old monthly partitions dropped behind signed prune records, and verification after. */
let server: TestServer;
let api: ReturnType<typeof client>;
let adminId: string;

beforeAll(async () => {
  server = await startTestServer();
  api = client(server);
  const token = await api.login(server.admin.email, server.admin.password);
  adminId = (await api.get('/v1/auth/session', token)).body.user.id;
});
afterAll(() => server.close());

const now = new Date();
/** The first instant of the UTC month `offset` months from this one. */
const month = (offset: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
const partitionOf = (d: Date) =>
  `audit_events_${d.getUTCFullYear()}_${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
const exists = async (table: string) =>
  (await sql<{ t: string | null }>`select to_regclass(${table})::text as t`.execute(server.runtime.db.system))
    .rows[0]?.t !== null;

const prune = (before: Date, apply = true) =>
  pruneBefore(
    {
      db: server.runtime.db,
      keys: server.runtime.services.auditKeys,
      audit: server.runtime.services.audit,
      clock: server.runtime.clock,
      actor: { type: 'system', id: 'test' },
    },
    before,
    apply,
  );

let orgs = 0;
/** An org (made directly, so its chain starts empty) with old records first; a session of its admin. */
async function orgWithOldRecords(batches: { at: Date; count: number }[]) {
  const { db } = server.runtime;
  const orgId = newId('org');
  await db.system
    .insertInto('orgs')
    .values({ id: orgId, name: 'Old', slug: `old-${++orgs}` })
    .execute();
  const hashes: string[] = [];
  for (const { at, count } of batches) {
    await sql`select audit_ensure_partitions(${at}, 2)`.execute(db.system);
    hashes.push(...(await appendRecords(db, orgId, count, new Date(at.getTime() + 86_400_000))));
  }
  await db.system
    .insertInto('memberships')
    .values({ org_id: orgId, user_id: adminId, role: 'admin' })
    .execute();
  const token = await api.login(server.admin.email, server.admin.password);
  const switched = await api.call('PUT', '/v1/auth/session/org', { token, body: { org_id: orgId } });
  expect(switched.status, JSON.stringify(switched.body)).toBe(200);
  return { orgId, token, hashes };
}

async function verify(token: string) {
  const r = await api.get('/v1/audit/verify', token);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

describe('gatehouse audit prune', () => {
  it('drops whole old months behind signed prune records; verification resumes after them', async () => {
    const org = await orgWithOldRecords([
      { at: month(-6), count: 4 },
      { at: month(-5), count: 3 },
    ]);
    expect((await verify(org.token)).ok).toBe(true);
    const [six, five] = [partitionOf(month(-6)), partitionOf(month(-5))];

    const planned = await prune(month(-4), false);
    expect(planned.filter((p) => p.segments.length)).toEqual([
      {
        name: six,
        segments: [{ orgId: org.orgId, fromSeq: 1, toSeq: 4, count: 4, lastHash: org.hashes[3] }],
      },
      {
        name: five,
        segments: [{ orgId: org.orgId, fromSeq: 5, toSeq: 7, count: 3, lastHash: org.hashes[6] }],
      },
    ]);
    expect(await exists(six)).toBe(true);

    const pruned = await prune(month(-4));
    expect(pruned.map((p) => p.name)).toEqual(planned.map((p) => p.name));
    expect(await exists(six)).toBe(false);
    expect(await exists(five)).toBe(false);

    const report = await verify(org.token);
    expect(report, JSON.stringify(report)).toMatchObject({ ok: true, from_seq: 8, break: null });
    const records = await api.get('/v1/audit?action=audit.pruned', org.token);
    expect(records.body.items.map((i: { details: unknown }) => i.details)).toEqual([
      { partition: five, from_seq: 5, to_seq: 7, count: 3, last_hash: org.hashes[6] },
      { partition: six, from_seq: 1, to_seq: 4, count: 4, last_hash: org.hashes[3] },
    ]);
    expect(records.body.items[0]).toMatchObject({
      actor: { type: 'system', id: 'test' },
      target: { type: 'audit_prune', id: expect.stringMatching(/^prn_/) },
    });
    const { anchors, forged } = await anchorsOf(server.runtime.db.system, org.orgId);
    expect(anchors.filter((a) => a.kind === 'prune').map((a) => a.seq)).toEqual([4, 7]);
    expect(forged).toEqual([]);
    // Checkpoints go on after a prune.
    expect((await api.call('POST', '/v1/audit/checkpoints', { token: org.token })).status).toBe(201);

    // A prune record whose signature no longer holds is not trusted.
    await tamper(server.runtime.db, (trx) =>
      sql`update audit_prunes set last_hash = ${org.hashes[5]} where org_id = ${org.orgId} and to_seq = 7`.execute(
        trx,
      ),
    );
    expect((await verify(org.token)).break).toMatchObject({
      seq: 7,
      kind: 'modified',
      detail: expect.stringMatching(/signature of prune prn_\w+ at seq 7 is invalid/),
    });
  });

  it('refuses the current month and later', async () => {
    for (const before of [month(1), new Date(month(0).getTime() + 5 * 86_400_000)]) {
      await expect(prune(before)).rejects.toMatchObject({
        code: 'audit_prune_refused',
        message: expect.stringContaining('current month'),
      });
    }
    // The first instant of this month keeps all of it.
    await expect(prune(month(0), false)).resolves.toBeDefined();
  });

  it('refuses to leave a hole: older records of the chain stay in a later month', async () => {
    const org = await orgWithOldRecords([]);
    await appendRecords(server.runtime.db, org.orgId, 1);
    await appendRecords(server.runtime.db, org.orgId, 2, new Date(month(-3).getTime() + 86_400_000));
    await expect(prune(month(-2))).rejects.toMatchObject({
      code: 'audit_prune_refused',
      message: expect.stringContaining(
        `hole in the chain of ${org.orgId}: seq 1 stays in ${partitionOf(month(0))}`,
      ),
    });
    expect(await exists(partitionOf(month(-3)))).toBe(true);
    expect((await verify(org.token)).ok).toBe(true);
    await tamper(server.runtime.db, (trx) =>
      sql`delete from ${sql.id(partitionOf(month(-3)))} where org_id = ${org.orgId}`.execute(trx),
    );
  });

  it('refuses to prune records that do not verify', async () => {
    const org = await orgWithOldRecords([{ at: month(-2), count: 3 }]);
    await tamper(server.runtime.db, (trx) =>
      sql`update audit_events set details = '{"n": 9}' where org_id = ${org.orgId} and seq = 2`.execute(trx),
    );
    await expect(prune(month(-1))).rejects.toMatchObject({
      code: 'audit_chain_broken',
      message: expect.stringContaining('chain broken at seq 2: modified'),
    });
    expect(await exists(partitionOf(month(-2)))).toBe(true);
    expect(await exists(partitionOf(month(-3)))).toBe(true);
  });
});
