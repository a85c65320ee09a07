import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config.js';
import { appendChained } from '../src/modules/audit/chain.js';
import { presentAuditEvent } from '../src/modules/audit/reader.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { auditEvent, auditEventAt, seedAuditEvents } from './audit-stream-fixture.js';
import { compileServer, rssBytes, startBuilt } from './built-server.js';
import { cli } from './cli-fixture.js';
import { client } from './client.js';
import { freePort, startTestServer, type TestServer } from './harness.js';
import { clientBuilder, otherOrgAdmin } from './oauth-fixture.js';

/** GET /v1/audit/export over HTTP, `gatehouse audit export`, and the export's memory bound. */
let server: TestServer;
let api: ReturnType<typeof client>;
let admin: string;
let org: { id: string; slug: string };

beforeAll(async () => {
  server = await startTestServer();
  api = client(server);
  admin = await api.login(server.admin.email, server.admin.password);
  org = (await api.get('/v1/auth/session', admin)).body.org;
  // Records whose cells need quoting, an actor chain, and no target.
  await server.runtime.db.transaction((trx) =>
    appendChained(trx, [
      auditEvent(org.id, { details: { note: 'a, "quoted"\r\nsecond line', n: 1 } }),
      auditEvent(org.id, {
        actor: { type: 'agent', id: 'agt_actor', chain: { sub: 'usr_subject', act: { sub: 'agt_actor' } } },
        meta: { ip: '10.0.0.1', userAgent: 'UA, with "quotes"', requestId: 'req_export' },
      }),
      { orgId: org.id, actor: { type: 'system', id: 'audit-test' }, action: 'test.untargeted' },
    ]),
  );
});
afterAll(() => server.close());

async function download(query = '', token = admin) {
  const res = await fetch(`${server.url}/v1/audit/export${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Every record GET /v1/audit lists, oldest first. */
async function listed(token = admin) {
  const items: any[] = [];
  let cursor = '';
  do {
    const r = await api.get(`/v1/audit?limit=200${cursor ? `&cursor=${cursor}` : ''}`, token);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    items.push(...r.body.items);
    cursor = r.body.next_cursor ?? '';
  } while (cursor);
  return items.reverse();
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

/** RFC 4180, strictly: CRLF ends a record, quotes may hold commas, quotes ("") and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      rows.push([...row, cell]);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  expect(cell === '' && row.length === 0 && !quoted, 'the file ends with a whole record').toBe(true);
  return rows;
}

const CSV_HEADER = [
  'id',
  'org_id',
  'seq',
  'at',
  'actor.type',
  'actor.id',
  'actor.chain',
  'action',
  'target.type',
  'target.id',
  'outcome',
  'ip',
  'user_agent',
  'request_id',
  'details',
  'prev_hash',
  'hash',
];

describe('GET /v1/audit/export', () => {
  it('streams JSON lines in seq order, each record exactly as GET /v1/audit presents it', async () => {
    const r = await download();
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const day = new Date().toISOString().slice(0, 10);
    expect(r.headers.get('content-disposition')).toBe(
      `attachment; filename="audit-${org.slug}-${day}.jsonl"`,
    );
    expect(r.text.endsWith('\n')).toBe(true);
    const lines = jsonLines(r.text);
    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i + 1));
    expect(lines).toEqual((await listed()).slice(0, lines.length));
    expect(lines.some((l) => l.actor.chain?.sub === 'usr_subject' && l.target !== null)).toBe(true);
    expect(lines.some((l) => l.action === 'test.untargeted' && l.target === null)).toBe(true);
    // ?format=jsonl is the default spelled out.
    expect((await download('?format=jsonl')).text).toBe(r.text);
  });

  it('streams CSV (RFC 4180) with a header row, objects as JSON text, nulls as empty cells', async () => {
    const r = await download('?format=csv');
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(r.headers.get('content-disposition')).toMatch(
      /^attachment; filename="audit-[a-z0-9-]+-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const [header, ...rows] = parseCsv(r.text);
    expect(header).toEqual(CSV_HEADER);
    const items = (await listed()).slice(0, rows.length);
    expect(rows.length).toBe(items.length);
    rows.forEach((row, i) => {
      const e = items[i];
      const cell = Object.fromEntries(CSV_HEADER.map((name, j) => [name, row[j]]));
      expect(row.length).toBe(CSV_HEADER.length);
      expect(cell).toEqual({
        id: e.id,
        org_id: e.org_id,
        seq: String(e.seq),
        at: e.at,
        'actor.type': e.actor.type,
        'actor.id': e.actor.id ?? '',
        'actor.chain': cell['actor.chain'],
        action: e.action,
        'target.type': e.target?.type ?? '',
        'target.id': e.target?.id ?? '',
        outcome: e.outcome,
        ip: e.ip ?? '',
        user_agent: e.user_agent ?? '',
        request_id: e.request_id ?? '',
        details: cell.details,
        prev_hash: e.prev_hash,
        hash: e.hash,
      });
      expect(JSON.parse(cell.details as string)).toEqual(e.details);
      expect(cell['actor.chain'] ? JSON.parse(cell['actor.chain']) : null).toEqual(e.actor.chain);
    });
    expect(rows.some((row) => row.includes('UA, with "quotes"'))).toBe(true);
    expect(rows.some((row) => JSON.parse(row[14] as string).note === 'a, "quoted"\r\nsecond line')).toBe(
      true,
    );
  });

  it('filters on `at`: from is inclusive, to exclusive', async () => {
    const hour = 3600_000;
    const base = new Date(Math.floor(Date.now() / hour) * hour - 5 * hour);
    for (const [k, label] of ['early', 'middle', 'late'].entries()) {
      const at = new Date(base.getTime() + k * hour);
      await server.runtime.db.transaction((trx) =>
        appendChained(
          trx,
          [1, 2].map((i) => auditEventAt(org.id, at, { target: { type: 'test', id: `${label}-${i}` } })),
        ),
      );
    }
    const from = new Date(base.getTime() + hour).toISOString();
    const to = new Date(base.getTime() + 2 * hour).toISOString();
    const middle = jsonLines((await download(`?from=${from}&to=${to}`)).text);
    expect(middle.map((l) => l.target.id)).toEqual(['middle-1', 'middle-2']);
    const fromMiddle = jsonLines((await download(`?from=${encodeURIComponent(from)}`)).text);
    expect(fromMiddle.map((l) => l.target?.id).filter((id) => /^(early|middle|late)-/.test(id))).toEqual([
      'middle-1',
      'middle-2',
      'late-1',
      'late-2',
    ]);
    const [header, ...earlier] = parseCsv((await download(`?format=csv&to=${from}`)).text);
    expect(header).toEqual(CSV_HEADER);
    expect(earlier.map((row) => row[9]).filter((id) => /^(early|middle|late)-/.test(id ?? ''))).toEqual([
      'early-1',
      'early-2',
    ]);
  });

  it("never contains another org's records, and the other org's admin gets only theirs", async () => {
    const other = await otherOrgAdmin(api, admin, 'export');
    await seedAuditEvents(server.runtime.db, other.orgId, 5);
    await seedAuditEvents(server.runtime.db, null, 2);
    const mine = jsonLines((await download()).text);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((l) => l.org_id === org.id)).toBe(true);
    const theirs = jsonLines((await download('', other.token)).text);
    expect(theirs.length).toBeGreaterThanOrEqual(5);
    expect(theirs.every((l) => l.org_id === other.orgId)).toBe(true);
    expect(theirs.map((l) => l.seq)).toEqual(theirs.map((_, i) => i + 1));
    expect(theirs).toEqual(await listed(other.token));
  });

  it('is for admins and agents holding gatehouse:audit.read', async () => {
    const member = await api.addMember(admin, 'export-member@example.com', 'manager');
    const refused = await download('', member.token);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(JSON.parse(refused.text).code).toBe('insufficient_role');
    expect((await fetch(`${server.url}/v1/audit/export`)).status).toBe(401);

    const newClient = clientBuilder(api, admin, 'export-agent');
    const reader = await newClient({ allowed_scopes: ['gatehouse:audit.read'] });
    const allowed = await download('?format=csv', await reader.token({ scope: 'gatehouse:audit.read' }));
    expect(allowed.status, allowed.text).toBe(200);
    expect(parseCsv(allowed.text)[0]).toEqual(CSV_HEADER);
    const other = await newClient({ allowed_scopes: ['gatehouse:agents.read'] });
    const scopeless = await download('', await other.token({ scope: 'gatehouse:agents.read' }));
    expect(scopeless.status).toBe(403);
    expect(JSON.parse(scopeless.text).code).toBe('insufficient_scope');
  });

  it('refuses an unknown format or a time that is not ISO 8601, as problem+json', async () => {
    for (const [query, field] of [
      ['?format=xml', 'querystring.format'],
      ['?from=yesterday', 'querystring.from'],
      ['?to=2025-13-01T00:00:00Z', 'querystring.to'],
      ['?limit=5', 'querystring.limit'],
    ] as const) {
      const r = await download(query);
      expect(r.status, query).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      const problem = JSON.parse(r.text);
      expect(problem.code).toBe('validation_failed');
      expect(problem.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
  });

  it('is described in the OpenAPI document with its query', async () => {
    const doc = (await api.get('/openapi.json')).body;
    const route = doc.paths['/v1/audit/export'].get;
    expect(route.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['format', 'from', 'to']);
    expect(route.parameters.find((p: { name: string }) => p.name === 'format').schema.enum).toEqual([
      'jsonl',
      'csv',
    ]);
  });

  it('stops reading pages when the client hangs up mid-export', async () => {
    const bulk = await otherOrgAdmin(api, admin, 'export-bulk');
    const pages = 30;
    await seedAuditEvents(server.runtime.db, bulk.orgId, pages * 1000);
    const queries = vi.spyOn(server.runtime.db, 'tenant');
    try {
      const hangUp = new AbortController();
      const res = await fetch(`${server.url}/v1/audit/export`, {
        headers: { authorization: `Bearer ${bulk.token}` },
        signal: hangUp.signal,
      });
      const reader = res.body?.getReader();
      const first = await reader?.read();
      expect(first?.value?.length).toBeGreaterThan(0);
      hangUp.abort();
      // Settled: no page is read for a while after the hang-up.
      let seen = -1;
      while (seen !== queries.mock.calls.length) {
        seen = queries.mock.calls.length;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      // Had it run to the end: one query per page, the org's name and the chain's head.
      expect(seen).toBeLessThan(pages);
    } finally {
      queries.mockRestore();
    }
    // The next export of the same org runs to its end.
    const whole = await download('', bulk.token);
    expect(whole.text.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(pages * 1000);
  });
});

describe('gatehouse audit export, and the memory a long export takes', { timeout: 300_000 }, () => {
  const ADMIN = { email: 'export-admin@example.com', password: 'export admin password' };
  const { env, run } = cli('audit-export', () => ({
    GATEHOUSE_ADMIN_EMAIL: ADMIN.email,
    GATEHOUSE_ADMIN_PASSWORD: ADMIN.password,
  }));
  let orgId: string;
  let expected: string[];

  /** The installation opened in this process (started: migrated, bootstrapped) while no node holds it. */
  async function installation<T>(fn: (rt: Runtime) => Promise<T>): Promise<T> {
    const rt = createRuntime(loadConfig(env()), pino({ level: 'silent' }), { print: () => {} });
    try {
      await rt.start();
      return await fn(rt);
    } finally {
      await rt.close();
    }
  }

  beforeAll(async () => {
    await installation(async (rt) => {
      orgId = (
        await rt.db.system
          .selectFrom('orgs')
          .select('id')
          .where('slug', '=', 'default')
          .executeTakeFirstOrThrow()
      ).id;
      await rt.db.transaction((trx) =>
        appendChained(trx, [
          auditEvent(orgId, { details: { note: 'comma, "quote"\nnewline' } }),
          auditEvent(orgId, { meta: { ip: '10.0.0.2', userAgent: 'cli, "ua"', requestId: null } }),
        ]),
      );
      await seedAuditEvents(rt.db, orgId, 20);
      const rows = await rt.db.system
        .selectFrom('audit_events')
        .selectAll()
        .where('org_id', '=', orgId)
        .orderBy('seq')
        .execute();
      expected = rows.map((r) => JSON.stringify(presentAuditEvent(r)));
    });
  });

  it('writes JSON lines to stdout, and CSV to a file, by slug or org id', async () => {
    const jsonl = await run(['audit', 'export', '--org', 'default']);
    expect(jsonl.code, jsonl.stderr).toBe(0);
    expect(jsonl.stdout).toBe(`${expected.join('\n')}\n`);

    const out = join(env().GATEHOUSE_DATA_DIR as string, 'export.csv');
    const csv = await run(['audit', 'export', '--org', orgId, '--format', 'csv', '--out', out]);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout).toBe('');
    const [header, ...rows] = parseCsv(await readFile(out, 'utf8'));
    expect(header).toEqual(CSV_HEADER);
    expect(rows.map((row) => row[0])).toEqual(expected.map((line) => JSON.parse(line).id));
    expect(rows.some((row) => row[12] === 'cli, "ua"')).toBe(true);

    const later = await run(['audit', 'export', '--org', 'default', '--from', '2999-01-01T00:00:00Z']);
    expect(later.code, later.stderr).toBe(0);
    expect(later.stdout).toBe('');
  });

  it('refuses an unknown org or a time that is not ISO 8601, with exit code 1', async () => {
    const unknown = await run(['audit', 'export', '--org', 'nowhere']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no organization nowhere/);
    const badTime = await run(['audit', 'export', '--org', 'default', '--to', 'tomorrow']);
    expect(badTime.code).toBe(1);
    expect(badTime.stderr).toMatch(/invalid input\n {2}to: /);
  });

  // PGlite appends 200,000 records in ~40 s but exports them in ~1 min, and the embedded
  // PostgreSQL lives in the server's own process (~450 MB resident before any request), so no
  // absolute bound says anything about the export there: PGlite streams 50,000 records and may
  // grow by 64 MB at most; PostgreSQL streams 200,000 with the whole process under 200 MB.
  // The heap is capped as a 256 MB container would cap it: V8 otherwise sizes its heap from the
  // host's memory and lets ~80 MB of garbage pile up between collections. An export that held
  // its range in memory would exceed the bound, or die of the cap.
  it('streams a long chain with flat memory: every line, in seq order, up to the last', async () => {
    const postgres = Boolean(process.env.DATABASE_URL);
    const count = postgres ? 200_000 : 50_000;
    await installation((rt) => seedAuditEvents(rt.db, orgId, count));
    const built = await compileServer();
    const node = await startBuilt(built.main, env(), await freePort(), ['--max-old-space-size=192']);
    try {
      const token = await client(node).login(ADMIN.email, ADMIN.password);
      const before = rssBytes(node.pid);
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, rssBytes(node.pid));
      }, 20);
      const res = await fetch(`${node.url}/v1/audit/export`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(200);
      let lines = 0;
      let outOfOrder = 0;
      let partial = '';
      let last = '';
      const decoder = new TextDecoder();
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        const text = partial + decoder.decode(chunk, { stream: true });
        const whole = text.split('\n');
        partial = whole.pop() as string;
        for (const line of whole) {
          lines++;
          if (!line.includes(`"seq":${lines},`)) outOfOrder++;
          last = line;
        }
      }
      clearInterval(sampler);
      expect(partial).toBe('');
      expect(outOfOrder).toBe(0);
      expect(lines).toBeGreaterThan(count);
      const newest = await client(node).get('/v1/audit?limit=1', token);
      expect(JSON.parse(last)).toEqual(newest.body.items[0]);
      const MB = 1024 * 1024;
      if (postgres) expect(peak / MB).toBeLessThan(200);
      else expect((peak - before) / MB).toBeLessThan(64);
    } finally {
      expect(await node.stop()).toBe(0);
      await built.remove();
    }
  });
});
