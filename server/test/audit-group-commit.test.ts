import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditGroupCommit } from '../src/modules/audit/group-commit.js';
import type { AuditEvent, AuditService } from '../src/modules/audit/service.js';
import type { Db } from '../src/platform/db/database.js';
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
 * The real audit service, counting the statements group commit writes; `fail` makes a
 * statement throw instead of writing, `gate` holds statements until it resolves.
 */
function instrumented(opts: { fail?: () => boolean; gate?: () => Promise<void> } = {}) {
  const stats = { statements: 0 };
  const real = server.runtime.services.audit;
  const audit: AuditService = {
    ...real,
    async commitBatch(events) {
      stats.statements++;
      await opts.gate?.();
      if (opts.fail?.()) throw new Error('injected failure');
      return real.commitBatch(events);
    },
  };
  return { audit, stats };
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
  it('writes a lone event at once, in its own statement', async () => {
    const { audit: counted, stats } = instrumented();
    const commits = createAuditGroupCommit({ audit: counted });
    const e = event(orgId);
    await commits.append(e);
    expect(stats.statements).toBe(1);
    expect(await stored(targets([e]))).toEqual(targets([e]));
  });

  it('commits concurrent appends together: one statement for many events, every event stored', async () => {
    const { audit: counted, stats } = instrumented();
    const commits = createAuditGroupCommit({ audit: counted });
    const events = Array.from({ length: 20 }, () => event(orgId));
    await Promise.all(events.map((e) => commits.append(e)));
    expect(stats.statements).toBe(1);
    expect(await stored(targets(events))).toEqual(targets(events));
  });

  it('gathers appends from callbacks of the same event-loop turn, as requests read together are', async () => {
    const { audit: counted, stats } = instrumented();
    const commits = createAuditGroupCommit({ audit: counted });
    const events = Array.from({ length: 5 }, () => event(orgId));
    const done = events.map(
      (e) =>
        new Promise<void>((resolve, reject) => setImmediate(() => commits.append(e).then(resolve, reject))),
    );
    await Promise.all(done);
    expect(stats.statements).toBe(1);
    expect(await stored(targets(events))).toEqual(targets(events));
  });

  it('gathers the events that arrive during a flush into the next one', async () => {
    let open!: () => void;
    const held = new Promise<void>((resolve) => {
      open = resolve;
    });
    let first = true;
    const { audit: counted, stats } = instrumented({
      gate: () => {
        if (!first) return Promise.resolve();
        first = false;
        return held;
      },
    });
    const commits = createAuditGroupCommit({ audit: counted });
    const lone = event(orgId);
    const firstDone = commits.append(lone);
    await expect.poll(() => stats.statements).toBe(1);
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
    expect(stats.statements).toBe(2);
    expect(await stored(targets([lone, ...later]))).toEqual(targets([lone, ...later]));
  });

  it('bounds the batch size', async () => {
    const { audit: counted, stats } = instrumented();
    const commits = createAuditGroupCommit({ audit: counted, maxBatch: 5 });
    const events = Array.from({ length: 12 }, () => event(orgId));
    await Promise.all(events.map((e) => commits.append(e)));
    expect(stats.statements).toBe(3);
    expect(await stored(targets(events))).toEqual(targets(events));
  });

  it('rejects every caller of a failed batch and stores none of it; later batches go on', async () => {
    let failing = true;
    const { audit: counted } = instrumented({ fail: () => failing });
    const commits = createAuditGroupCommit({ audit: counted });
    const doomed = [...Array.from({ length: 3 }, () => event(orgId)), event(null)];
    const results = await Promise.allSettled(doomed.map((e) => commits.append(e)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason.message).toBe('injected failure');
    expect(await stored(targets(doomed))).toEqual([]);

    failing = false;
    const next = [event(orgId), event(null)];
    await Promise.all(next.map((e) => commits.append(e)));
    expect(await stored(targets(next))).toEqual(targets(next));
  });

  it('rejects the callers of a batch the database refuses', async () => {
    const commits = createAuditGroupCommit({ audit: server.runtime.services.audit });
    const good = event(orgId);
    // actor_type is checked by the table; one bad row fails the statement it shares.
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

describe('with GATEHOUSE_AUDIT_TOKEN_ISSUANCE=false', () => {
  it('issues without a token.issued record, and still records refusals', async () => {
    const quiet = await startTestServer({ env: { GATEHOUSE_AUDIT_TOKEN_ISSUANCE: 'false' } });
    try {
      const api = client(quiet);
      const admin = await api.login(quiet.admin.email, quiet.admin.password);
      const agent = await api.post('/v1/agents', { name: 'quiet-bot', allowed_scopes: ['a:read'] }, admin);
      const cred = await api.post(
        `/v1/agents/${agent.body.id}/credentials`,
        { type: 'client_secret' },
        admin,
      );
      const form = (scope: string) =>
        api.call('POST', '/oauth/token', {
          body: `grant_type=client_credentials&scope=${scope}`,
          headers: {
            authorization: `Basic ${Buffer.from(`${cred.body.client_id}:${cred.body.client_secret}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
        });
      expect((await form('a:read')).status).toBe(200);
      // Refused after the client authenticated, so recorded in its org.
      expect((await form('b:write')).status).toBe(400);
      const actions = (await api.get('/v1/audit?action=token.*', admin)).body.items.map(
        (e: { action: string }) => e.action,
      );
      expect(actions).toEqual(['token.refused']);
    } finally {
      await quiet.close();
    }
  });
});

describe('several writers on one chain', () => {
  it('interleave without gaps or forks: two nodes’ group commits and in-transaction records', async () => {
    const { createAuditService } = await import('../src/modules/audit/service.js');
    const { verifyChain } = await import('../src/modules/audit/verify.js');
    const chain = `org_multi${randomUUID().slice(0, 8)}`;
    // Each service is what one node holds: its own idea of where the chain's head is.
    const nodes = [createAuditService({ db }), createAuditService({ db })].map((audit) =>
      createAuditGroupCommit({ audit }),
    );
    const direct = server.runtime.services.audit;
    const appended: AuditEvent[] = [];
    await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const e = event(chain);
        appended.push(e);
        if (i % 10 === 9) await db.transaction((trx) => direct.record(trx, e));
        else await (nodes[i % 2] as (typeof nodes)[number]).append(e);
      }),
    );
    expect(await stored(targets(appended))).toEqual(targets(appended));
    const report = await verifyChain(db.system, { orgId: chain });
    expect(report).toMatchObject({ ok: true, verified: 60, last_seq: 60 });
  });
});
