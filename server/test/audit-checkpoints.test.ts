import { webcrypto } from 'node:crypto';
import canonicalize from 'canonicalize';
import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendRecords, tamper } from './audit-tamper.js';
import { client } from './client.js';
import { startTestServer, type TestServer } from './harness.js';
import { clientBuilder, otherOrgAdmin } from './oauth-fixture.js';

/** Signed checkpoints over HTTP: made, listed, verified by an outsider, and trusted only when genuine. */
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

const checkpointNow = (token: string) => api.call('POST', '/v1/audit/checkpoints', { token });

async function verify(token: string) {
  const r = await api.get('/v1/audit/verify', token);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

let orgs = 0;
/** A fresh org with `count` more records, and a checkpoint of its chain. */
async function orgWithCheckpoint(count = 10) {
  const org = await otherOrgAdmin(api, admin, `ckp-${++orgs}`);
  await appendRecords(server.runtime.db, org.orgId, count);
  const made = await checkpointNow(org.token);
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  return { ...org, checkpoint: made.body };
}

/** What an outside party does with a checkpoint it kept: check it with the published JWKS only. */
async function outsiderVerifies(checkpoint: { kid: string; payload: string; signature: string }) {
  const jwks = await fetch(`${server.url}/.well-known/gatehouse-audit-keys.json`).then(
    (r) => r.json() as Promise<JSONWebKeySet>,
  );
  const key = await createLocalJWKSet(jwks)({ alg: 'EdDSA', kid: checkpoint.kid });
  return webcrypto.subtle.verify(
    'Ed25519',
    key as webcrypto.CryptoKey,
    Buffer.from(checkpoint.signature, 'base64url'),
    Buffer.from(checkpoint.payload),
  );
}

describe('checkpoints', () => {
  it('are made on demand, listed, and verify against the public JWKS; the record follows them', async () => {
    const made = await checkpointNow(admin);
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const c = made.body;
    expect(c).toEqual({
      id: expect.stringMatching(/^ckp_[0-9a-z]{26}$/),
      org_id: orgId,
      seq: expect.any(Number),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      at: expect.any(String),
      kid: expect.stringMatching(/^akey_[0-9a-z]{26}$/),
      signature: expect.any(String),
      payload: canonicalize({ org_id: orgId, seq: c.seq, hash: c.hash, at: c.at }),
    });
    // The hash is the chain's own at that seq.
    const report = await verify(admin);
    expect(report.ok, JSON.stringify(report)).toBe(true);
    expect(report.checkpoint).toEqual({ id: c.id, seq: c.seq, hash: c.hash });

    const listed = await api.get('/v1/audit/checkpoints', admin);
    expect(listed.status).toBe(200);
    expect(listed.body.items[0]).toEqual(c);

    expect(await outsiderVerifies(c)).toBe(true);
    const altered = JSON.stringify({ ...JSON.parse(c.payload), seq: c.seq - 1 });
    expect(await outsiderVerifies({ ...c, payload: altered })).toBe(false);

    const doc = await api.get('/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/audit/checkpoints',
        '/v1/audit/keys',
        '/.well-known/gatehouse-audit-keys.json',
      ]),
    );

    const keys = await api.get('/v1/audit/keys', admin);
    expect(keys.status).toBe(200);
    expect(keys.body.keys).toEqual([
      expect.objectContaining({ kid: c.kid, kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' }),
    ]);
    expect(keys.body.keys[0]).not.toHaveProperty('d');

    const recorded = await api.get('/v1/audit?action=audit.checkpointed', admin);
    expect(recorded.body.items[0]).toMatchObject({
      seq: c.seq + 1,
      actor: { type: 'system', id: 'audit' },
      target: { type: 'audit_checkpoint', id: c.id },
      details: { seq: c.seq, hash: c.hash, kid: c.kid, requested_by: { type: 'user' } },
    });
  });

  it('are not made again until the chain moves past the last one', async () => {
    const org = await orgWithCheckpoint();
    const again = await checkpointNow(org.token);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(org.checkpoint);

    await appendRecords(server.runtime.db, org.orgId, 1);
    const moved = await checkpointNow(org.token);
    expect(moved.status).toBe(201);
    // Past the previous checkpoint's own record and the new one.
    expect(moved.body.seq).toBe(org.checkpoint.seq + 2);
    const listed = await api.get('/v1/audit/checkpoints?limit=1', org.token);
    expect(listed.body.items.map((i: { id: string }) => i.id)).toEqual([moved.body.id]);
    const next = await api.get(`/v1/audit/checkpoints?limit=1&cursor=${listed.body.next_cursor}`, org.token);
    expect(next.body).toEqual({ items: [org.checkpoint], next_cursor: null });
  });

  it('are made on schedule for every chain that moved, once', async () => {
    const org = await orgWithCheckpoint();
    await appendRecords(server.runtime.db, org.orgId, 3);
    const { auditCheckpoints } = server.runtime.services;
    expect(await auditCheckpoints.checkpointMoved()).toBeGreaterThanOrEqual(1);
    expect(await auditCheckpoints.checkpointMoved()).toBe(0);
    const latest = (await api.get('/v1/audit/checkpoints?limit=1', org.token)).body.items[0];
    expect(latest.seq).toBe(org.checkpoint.seq + 4);
    expect(await outsiderVerifies(latest)).toBe(true);
  });

  it('stay within their org, and only admins and audit readers reach them', async () => {
    const org = await orgWithCheckpoint();
    const mine = (await api.get('/v1/audit/checkpoints', admin)).body.items.map((i: { id: string }) => i.id);
    expect(mine).not.toContain(org.checkpoint.id);
    const theirs = (await api.get('/v1/audit/checkpoints', org.token)).body.items;
    expect(theirs.every((i: { org_id: string }) => i.org_id === org.orgId)).toBe(true);

    const viewer = await api.addMember(admin, 'ckp-viewer@example.com', 'viewer');
    for (const r of [
      await checkpointNow(viewer.token),
      await api.get('/v1/audit/checkpoints', viewer.token),
      await api.get('/v1/audit/keys', viewer.token),
    ]) {
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('insufficient_role');
    }
    expect((await api.get('/v1/audit/checkpoints')).status).toBe(401);
    const extra = await api.post('/v1/audit/checkpoints', { seq: 1 }, admin);
    expect(extra.status).toBe(400);
    expect((await api.get('/v1/audit/checkpoints?cursor=bogus', admin)).body.code).toBe('invalid_cursor');

    const newClient = clientBuilder(api, admin, 'ckp-agent');
    const reader = await newClient({ allowed_scopes: ['gatehouse:audit.read'] });
    expect((await checkpointNow(await reader.token({ scope: 'gatehouse:audit.read' }))).status).toBeLessThan(
      300,
    );
    const other = await newClient({ allowed_scopes: ['gatehouse:agents.read'] });
    const refused = await checkpointNow(await other.token({ scope: 'gatehouse:agents.read' }));
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('insufficient_scope');
  });
});

describe('what checkpoints catch', () => {
  it('a tail truncated after a checkpoint: truncated at the first missing seq', async () => {
    const org = await orgWithCheckpoint();
    const cut = org.checkpoint.seq - 3;
    await tamper(server.runtime.db, (trx) =>
      sql`delete from audit_events where org_id = ${org.orgId} and seq >= ${cut}`.execute(trx),
    );
    const report = await verify(org.token);
    expect(report.break).toMatchObject({ seq: cut, kind: 'truncated' });
    expect(report.message).toContain(org.checkpoint.id);
    // A broken chain is never signed.
    const refused = await checkpointNow(org.token);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('audit_chain_broken');
  });

  it('a forged checkpoint row is not trusted: the chain breaks at its seq', async () => {
    const org = await orgWithCheckpoint();
    const { seq, kid } = org.checkpoint;
    // A rewrite of the chain after seq 3, hidden behind a checkpoint "signed" over the new head.
    await tamper(server.runtime.db, async (trx) => {
      await sql`delete from audit_events where org_id = ${org.orgId} and seq > 3`.execute(trx);
      await sql`insert into audit_checkpoints (id, org_id, seq, hash, at, kid, signature)
        values ('ckp_forged', ${org.orgId}, 3, (select hash from audit_events where org_id = ${org.orgId} and seq = 3),
          now(), ${kid}, ${Buffer.alloc(64).toString('base64url')})`.execute(trx);
      await sql`delete from audit_checkpoints where org_id = ${org.orgId} and seq = ${seq}`.execute(trx);
    });
    const report = await verify(org.token);
    expect(report.ok).toBe(false);
    expect(report.break).toMatchObject({ seq: 3, kind: 'modified' });
    expect(report.break.detail).toMatch(/signature of checkpoint ckp_forged at seq 3 is invalid/);
    expect(report.checkpoint).toBeNull();
  });
});

describe('append-only', () => {
  it('the app role may neither change nor remove records or checkpoints; the owner is stopped by the trigger', async () => {
    const org = await orgWithCheckpoint(2);
    const { db } = server.runtime;
    for (const statement of [
      sql`update audit_checkpoints set hash = 'x'`,
      sql`delete from audit_checkpoints`,
      sql`update audit_prunes set count = 0`,
      sql`delete from audit_prunes`,
      sql`update audit_events set action = 'x'`,
      sql`delete from audit_events`,
      sql`insert into audit_checkpoints (id, org_id, seq, hash, at, kid, signature)
        values ('ckp_app', ${org.orgId}, 1, 'x', now(), ${org.checkpoint.kid}, 'x')`,
    ]) {
      await expect(db.tenant(org.orgId, (trx) => statement.execute(trx))).rejects.toThrow(
        /permission denied/,
      );
    }
    for (const statement of [
      sql`update audit_checkpoints set hash = 'x' where id = ${org.checkpoint.id}`,
      sql`delete from audit_checkpoints where id = ${org.checkpoint.id}`,
      sql`delete from audit_events where org_id = ${org.orgId}`,
    ]) {
      await expect(db.transaction((trx) => statement.execute(trx))).rejects.toThrow(
        /audit records are append-only/,
      );
    }
    expect((await verify(org.token)).ok).toBe(true);
  });
});
