import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditGroupCommit } from '../src/modules/audit/group-commit.js';
import type { AuditEvent } from '../src/modules/audit/service.js';
import type { Db, Trx } from '../src/platform/db/database.js';
import { client } from './client.js';
import { startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let db: Db;
let orgId: string;

beforeAll(async () => {
  server = await startTestServer();
  db = server.runtime.db;
  orgId = (await db.system.selectFrom('orgs').select('id').executeTakeFirstOrThrow()).id;
});
afterAll(() => server.close());

/**
 * The real database, counting the transactions group commit opens; `fail` makes a transaction
 * throw after its inserts (so it rolls back), `gate` holds transactions open until it resolves.
 */
function instrumented(opts: { fail?: (orgId: string | null) => boolean; gate?: () => Promise<void> } = {}) {
  const stats = { transactions: 0 };
  const wrap =
    (orgId: string | null) =>
    <T>(fn: (trx: Trx) => Promise<T>) =>
    async (trx: Trx) => {
      stats.transactions++;
      await opts.gate?.();
      const result = await fn(trx);
      if (opts.fail?.(orgId)) throw new Error('injected failure');
      return result;
    };
  const counted: Db = {
    ...db,
    transaction: (fn) => db.transaction(wrap(null)(fn)),
    tenant: (org, fn) => db.tenant(org, wrap(org)(fn)),
  };
  return { db: counted, stats };
}

const event = (org: string | null, id = randomUUID()): AuditEvent => ({
  orgId: org,
  actor: { type: 'system', id: 'group-commit-test' },
  action: 'test.event',
  target: { type: 'test', id },
});

async function stored(ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await db.system
    .selectFrom('audit_events')
    .select('target_id')
    .where('target_id', 'in', ids)
    .execute();
  return rows.map((r) => r.target_id ?? '').sort();
}
const targets = (events: AuditEvent[]) => events.map((e) => e.target?.id ?? '').sort();

describe('audit group commit', () => {
  it('writes a lone event at once, in its own transaction', async () => {
    const { db: counted, stats } = instrumented();
    const commits = createAuditGroupCommit({ db: counted, audit: server.runtime.services.audit });
    const e = event(orgId);
    await commits.append(e);
    expect(stats.transactions).toBe(1);
    expect(await stored(targets([e]))).toEqual(targets([e]));
  });

  it('commits concurrent appends together: fewer transactions than events, every event stored', async () => {
    const { db: counted, stats } = instrumented();
    const commits = createAuditGroupCommit({ db: counted, audit: server.runtime.services.audit });
    const events = Array.from({ length: 20 }, () => event(orgId));
    await Promise.all(events.map((e) => commits.append(e)));
    expect(stats.transactions).toBe(1);
    expect(await stored(targets(events))).toEqual(targets(events));
  });

  it('gathers appends from callbacks of the same event-loop turn, as requests read together are', async () => {
    const { db: counted, stats } = instrumented();
    const commits = createAuditGroupCommit({ db: counted, audit: server.runtime.services.audit });
    const events = Array.from({ length: 5 }, () => event(orgId));
    const done = events.map(
      (e) =>
        new Promise<void>((resolve, reject) => setImmediate(() => commits.append(e).then(resolve, reject))),
    );
    await Promise.all(done);
    expect(stats.transactions).toBe(1);
    expect(await stored(targets(events))).toEqual(targets(events));
  });

  it('gathers the events that arrive during a flush into the next one', async () => {
    let open!: () => void;
    const held = new Promise<void>((resolve) => {
      open = resolve;
    });
    let first = true;
    const { db: counted, stats } = instrumented({
      gate: () => {
        if (!first) return Promise.resolve();
        first = false;
        return held;
      },
    });
    const commits = createAuditGroupCommit({ db: counted, audit: server.runtime.services.audit });
    const lone = event(orgId);
    const firstDone = commits.append(lone);
    await expect.poll(() => stats.transactions).toBe(1);
    const later = Array.from({ length: 10 }, () => event(orgId));
    const laterDone = Promise.all(later.map((e) => commits.append(e)));
    // Nothing acknowledged before its commit: the held flush has not committed yet.
    let acknowledged = false;
    void firstDone.then(() => {
      acknowledged = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(acknowledged).toBe(false);
    open();
    await Promise.all([firstDone, laterDone]);
    expect(stats.transactions).toBe(2);
    expect(await stored(targets([lone, ...later]))).toEqual(targets([lone, ...later]));
  });

  it('bounds the batch size', async () => {
    const { db: counted, stats } = instrumented();
    const commits = createAuditGroupCommit({
      db: counted,
      audit: server.runtime.services.audit,
      maxBatch: 5,
    });
    const events = Array.from({ length: 12 }, () => event(orgId));
    await Promise.all(events.map((e) => commits.append(e)));
    expect(stats.transactions).toBe(3);
    expect(await stored(targets(events))).toEqual(targets(events));
  });

  it('rejects every caller of a failed batch and stores none of it; other groups and later batches go on', async () => {
    let failing = true;
    const { db: counted } = instrumented({ fail: (org) => failing && org === orgId });
    const commits = createAuditGroupCommit({ db: counted, audit: server.runtime.services.audit });
    const doomed = Array.from({ length: 3 }, () => event(orgId));
    const outsideOrgs = Array.from({ length: 2 }, () => event(null));
    const results = await Promise.allSettled([...doomed, ...outsideOrgs].map((e) => commits.append(e)));
    expect(results.slice(0, 3).map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason.message).toBe('injected failure');
    expect(results.slice(3).map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(await stored(targets(doomed))).toEqual([]);
    expect(await stored(targets(outsideOrgs))).toEqual(targets(outsideOrgs));

    failing = false;
    const next = event(orgId);
    await commits.append(next);
    expect(await stored(targets([next]))).toEqual(targets([next]));
  });

  it('rejects the callers of a batch the database refuses', async () => {
    const commits = createAuditGroupCommit({ db, audit: server.runtime.services.audit });
    const good = event(orgId);
    // actor_type is checked by the table; one bad row fails the transaction it shares.
    const bad = { ...event(orgId), actor: { type: 'robot', id: null } } as unknown as AuditEvent;
    const results = await Promise.allSettled([commits.append(good), commits.append(bad)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await stored(targets([good, bad]))).toEqual([]);
  });
});

describe('token issuance through group commit', () => {
  it('has a durable token.issued record for every token the endpoint answered', async () => {
    const api = client(server);
    const admin = await api.login(server.admin.email, server.admin.password);
    const agent = await api.post(
      '/v1/agents',
      { name: 'group-commit-bot', allowed_scopes: ['a:read'] },
      admin,
    );
    expect(agent.status).toBe(201);
    const cred = await api.post(`/v1/agents/${agent.body.id}/credentials`, { type: 'client_secret' }, admin);
    expect(cred.status).toBe(201);
    const authorization = `Basic ${Buffer.from(`${cred.body.client_id}:${cred.body.client_secret}`).toString('base64')}`;
    const replies = await Promise.all(
      Array.from({ length: 30 }, () =>
        api.call('POST', '/oauth/token', {
          body: 'grant_type=client_credentials',
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
        }),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
    const jtis = replies.map((r) => {
      const payload = r.body.access_token.split('.')[1];
      return JSON.parse(Buffer.from(payload, 'base64url').toString()).jti as string;
    });
    const rows = await db.system
      .selectFrom('audit_events')
      .select(['target_id', 'action', 'org_id', 'actor_id'])
      .where('target_id', 'in', jtis)
      .execute();
    expect(rows).toHaveLength(30);
    for (const row of rows) {
      expect(row).toMatchObject({ action: 'token.issued', org_id: orgId, actor_id: agent.body.id });
    }
  });
});
