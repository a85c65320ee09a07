import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { createAuditShipper, sinkName } from '../src/modules/audit/sinks.js';
import type { Db } from '../src/platform/db/database.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { chainOrderProblem, type Received, seedAuditEvents, startSiem } from './audit-stream-fixture.js';
import { client } from './client.js';
import { freshDatabase, startTestServer, type TestServer } from './harness.js';

/** Streaming the audit log to a SIEM: an HTTP endpoint or a JSON-lines file, at least once, in order. */

const DELIVERED = { timeout: 20_000, interval: 200 };

async function headOf(db: Db, chain: string): Promise<number> {
  const r = await sql<{ seq: string }>`select seq from audit_chain_heads where chain = ${chain}`.execute(
    db.system,
  );
  return Number(r.rows[0]?.seq ?? 0);
}

async function cursorOf(db: Db, sink: string, chain: string): Promise<number> {
  const r = await sql<{ seq: string }>`
    select seq from audit_sink_cursors where sink = ${sink} and chain = ${chain}`.execute(db.system);
  return Number(r.rows[0]?.seq ?? 0);
}

/** Every seq of the chain arrived at least once, whatever repeats a crash caused: no gap. */
function gaps(received: Received[], orgId: string | null, last: number): number[] {
  const seen = new Set(received.filter((r) => r.org_id === orgId).map((r) => r.seq));
  return Array.from({ length: last }, (_, i) => i + 1).filter((seq) => !seen.has(seq));
}

describe('the HTTP sink', () => {
  let siem: Awaited<ReturnType<typeof startSiem>>;
  let server: TestServer;
  let orgId: string;

  beforeAll(async () => {
    siem = await startSiem();
    server = await startTestServer({
      env: { GATEHOUSE_AUDIT_SINK: siem.url, GATEHOUSE_AUDIT_SINK_TOKEN: 'siem-token' },
    });
    const api = client(server);
    const admin = await api.login(server.admin.email, server.admin.password);
    orgId = (await api.get('/v1/auth/session', admin)).body.org.id;
  });
  afterAll(async () => {
    await server.close();
    await siem.close();
  });

  it('receives every record of every chain in seq order, batched, as GET /v1/audit presents it', async () => {
    await seedAuditEvents(server.runtime.db, orgId, 1_200);
    await seedAuditEvents(server.runtime.db, null, 3);
    const last = await headOf(server.runtime.db, orgId);
    const lastInstallation = await headOf(server.runtime.db, '');
    await expect.poll(() => chainOrderProblem(siem.received(), orgId, last), DELIVERED).toBeNull();
    await expect.poll(() => chainOrderProblem(siem.received(), null, lastInstallation), DELIVERED).toBeNull();

    const sizes = siem.batches.map((b) => b.length);
    expect(Math.max(...sizes)).toBe(500);
    expect(siem.batches.length).toBeLessThan(siem.received().length / 10);
    for (const r of siem.requests) {
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers.authorization).toBe('Bearer siem-token');
    }
    const api = client(server);
    const admin = await api.login(server.admin.email, server.admin.password);
    const listed = (await api.get('/v1/audit?limit=200', admin)).body.items as Received[];
    const delivered = new Map(siem.received().map((r) => [`${r.org_id}/${r.seq}`, r]));
    for (const e of listed.filter((e) => e.seq <= last))
      expect(delivered.get(`${orgId}/${e.seq}`)).toEqual(e);

    const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text());
    const name = sinkName(siem.url);
    // The login above is the one record not delivered yet, or already delivered too.
    expect(metrics).toMatch(new RegExp(`gatehouse_audit_sink_lag_events\\{sink="${name}"\\} [01]\\n`));
  });

  it('keeps every record while the SIEM fails, and delivers them all in order once it recovers', async () => {
    let failing = true;
    const flaky = await startSiem(() => (failing ? 500 : 200));
    const logged: { msg: string; sink?: string; lag?: number; retryInMs?: number; err?: string }[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const shipper = createAuditShipper({
      db: server.runtime.db,
      log,
      sink: { url: flaky.url, token: undefined },
      intervalMs: 50,
      retry: { baseMs: 20, maxMs: 100 },
    });
    shipper.start();
    try {
      await seedAuditEvents(server.runtime.db, orgId, 700);
      await expect.poll(() => flaky.requests.length, DELIVERED).toBeGreaterThanOrEqual(4);
      // Nothing acknowledged, nothing advanced.
      expect(await cursorOf(server.runtime.db, shipper.name, orgId)).toBe(0);
      expect(await shipper.lag()).toBeGreaterThanOrEqual(700);
      const failure = logged.find((l) => l.msg === 'audit sink: delivery failed; retrying');
      expect(failure).toMatchObject({ sink: shipper.name, err: 'answered HTTP 500' });
      expect(failure?.lag).toBeGreaterThanOrEqual(700);
      expect(failure?.retryInMs).toBeGreaterThan(0);
      expect(Math.max(...logged.map((l) => l.retryInMs ?? 0))).toBeLessThanOrEqual(100);

      await seedAuditEvents(server.runtime.db, orgId, 300);
      failing = false;
      const last = await headOf(server.runtime.db, orgId);
      await expect.poll(() => chainOrderProblem(flaky.received(), orgId, last), DELIVERED).toBeNull();
      // The cursor moves when the shipper commits, just after the SIEM answered.
      await expect.poll(() => cursorOf(server.runtime.db, shipper.name, orgId), DELIVERED).toBe(last);
      expect(flaky.requests.filter((r) => r.status === 500).length).toBeGreaterThanOrEqual(4);
      expect(flaky.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
    } finally {
      await shipper.stop();
      await flaky.close();
    }
  });

  it('retries a SIEM that cannot be reached, and stops cleanly in the middle of it', async () => {
    const gone = await startSiem();
    await gone.close();
    const logged: { msg: string; err?: string }[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const shipper = createAuditShipper({
      db: server.runtime.db,
      log,
      sink: { url: gone.url, token: undefined },
      retry: { baseMs: 60_000, maxMs: 60_000 },
    });
    shipper.start();
    await expect.poll(() => logged.length, DELIVERED).toBeGreaterThan(0);
    expect(logged[0]?.err).toMatch(/^unreachable: .*ECONNREFUSED/);
    // Inside a minute-long backoff: stop does not wait it out.
    await shipper.stop();
    expect(await cursorOf(server.runtime.db, shipper.name, orgId)).toBe(0);
  });
});

/**
 * Several nodes on one PostgreSQL database share each sink's cursors. PGlite is one process by
 * design (one session, no second node can open it), so this runs on PostgreSQL only.
 */
describe.runIf(process.env.DATABASE_URL)('two nodes on one PostgreSQL database', () => {
  const chains = ['org_sink_a', 'org_sink_b', 'org_sink_c'];
  let hold = false;
  let siem: Awaited<ReturnType<typeof startSiem>>;
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let config: ReturnType<typeof loadConfig>;
  const nodes: Runtime[] = [];
  const startNode = async () => {
    const node = createRuntime(config, pino({ level: 'silent' }), { print: () => {} });
    nodes.push(node);
    await node.start();
    return node;
  };

  beforeAll(async () => {
    siem = await startSiem(() => (hold ? 'hold' : 200));
    database = await freshDatabase();
    config = loadConfig({
      ...database.env,
      GATEHOUSE_DATA_DIR: 'memory',
      GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64url'),
      GATEHOUSE_AUDIT_SINK: siem.url,
    });
    await startNode();
    await startNode();
  });
  afterAll(async () => {
    siem.release();
    for (const node of nodes) await node.close();
    await siem.close();
    await database.drop();
  });

  it('deliver each record once, in order, while both append to shared chains', async () => {
    const [a, b] = nodes as [Runtime, Runtime];
    await Promise.all([
      seedAuditEvents(a.db, 'org_sink_a', 1_500),
      seedAuditEvents(b.db, 'org_sink_b', 1_000),
      seedAuditEvents(a.db, 'org_sink_b', 1_000),
      seedAuditEvents(b.db, 'org_sink_c', 600),
    ]);
    for (const chain of chains) {
      const last = await headOf(a.db, chain);
      await expect.poll(() => chainOrderProblem(siem.received(), chain, last), DELIVERED).toBeNull();
    }
  });

  it('lose nothing when every node dies before the SIEM answers: a restarted node delivers again', async () => {
    const [a] = nodes as [Runtime];
    hold = true;
    await seedAuditEvents(a.db, 'org_sink_a', 800);
    await seedAuditEvents(a.db, 'org_sink_c', 800);
    await expect.poll(() => siem.held(), DELIVERED).toBeGreaterThan(0);
    const taken = siem.received().length;
    for (const node of nodes.splice(0)) await node.close();
    hold = false;
    siem.release();
    const c = await startNode();
    for (const chain of chains) {
      const last = await headOf(c.db, chain);
      await expect.poll(() => gaps(siem.received(), chain, last), DELIVERED).toEqual([]);
    }
    // At least once: what the SIEM took in without answering came again.
    const resent = siem.received().slice(taken);
    const before = new Set(
      siem
        .received()
        .slice(0, taken)
        .map((r) => r.id),
    );
    expect(resent.some((r) => before.has(r.id))).toBe(true);
  });
});

describe('the file sink', () => {
  let dir: string;
  let file: string;
  let server: TestServer;
  let orgId: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-sink-'));
    file = join(dir, 'audit.jsonl');
    server = await startTestServer({ env: { GATEHOUSE_AUDIT_SINK: pathToFileURL(file).href } });
    orgId = (await server.runtime.db.system.selectFrom('orgs').select('id').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const lines = async (): Promise<Received[]> =>
    (await readFile(file, 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));

  it('appends JSON lines, and after a restart carries on where it stopped, with no gap and no repeat', async () => {
    await seedAuditEvents(server.runtime.db, orgId, 800);
    let last = await headOf(server.runtime.db, orgId);
    await expect.poll(async () => chainOrderProblem(await lines(), orgId, last), DELIVERED).toBeNull();

    await server.restart();
    await seedAuditEvents(server.runtime.db, orgId, 700);
    last = await headOf(server.runtime.db, orgId);
    await expect.poll(async () => chainOrderProblem(await lines(), orgId, last), DELIVERED).toBeNull();
    expect((await readFile(file, 'utf8')).endsWith('\n')).toBe(true);
  });

  it('cuts off a line left half-written by a crash before appending after it', async () => {
    await appendFile(file, '{"org_id":"org_half","seq":1,"id":"aud_half","det');
    await seedAuditEvents(server.runtime.db, orgId, 10);
    const last = await headOf(server.runtime.db, orgId);
    // Every line parses (lines() would throw on the half one), and the chain is whole.
    await expect.poll(async () => chainOrderProblem(await lines(), orgId, last), DELIVERED).toBeNull();
    expect(await readFile(file, 'utf8')).not.toContain('aud_half');
  });
});

describe('GATEHOUSE_AUDIT_SINK', () => {
  it('takes an http(s) or file URL, and a token only for http(s)', () => {
    expect(loadConfig({ GATEHOUSE_AUDIT_SINK: 'https://siem.example.com/in' }).auditSink).toEqual({
      url: 'https://siem.example.com/in',
      token: undefined,
    });
    expect(loadConfig({ GATEHOUSE_AUDIT_SINK: 'file:///var/log/gatehouse/audit.jsonl' }).auditSink?.url).toBe(
      'file:///var/log/gatehouse/audit.jsonl',
    );
    expect(loadConfig({}).auditSink).toBeUndefined();
    expect(() => loadConfig({ GATEHOUSE_AUDIT_SINK: 'ftp://siem.example.com/' })).toThrow(ConfigError);
    expect(() =>
      loadConfig({ GATEHOUSE_AUDIT_SINK: 'file:///tmp/audit.jsonl', GATEHOUSE_AUDIT_SINK_TOKEN: 'secret' }),
    ).toThrow(/GATEHOUSE_AUDIT_SINK_TOKEN: only an http\(s\):\/\/ GATEHOUSE_AUDIT_SINK takes a token/);
    expect(() => loadConfig({ GATEHOUSE_AUDIT_SINK_TOKEN: 'secret' })).toThrow(ConfigError);
  });

  it('names a sink by its URL alone: the same on every node, another for another URL', () => {
    expect(sinkName('https://siem.example.com/in')).toMatch(/^https:[0-9a-f]{16}$/);
    expect(sinkName('https://siem.example.com/in')).toBe(sinkName('https://siem.example.com/in'));
    expect(sinkName('https://siem.example.com/in')).not.toBe(sinkName('https://siem.example.com/other'));
    expect(sinkName('file:///var/log/audit.jsonl')).toMatch(/^file:[0-9a-f]{16}$/);
  });
});
