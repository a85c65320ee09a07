import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MISS_TTL_MS } from '../src/modules/resources/lookup.js';
import { client } from './client.js';
import { manualClock, startTestServer, type TestServer } from './harness.js';
import { clientBuilder, otherOrgAdmin } from './oauth-fixture.js';

/** The resource-server registry (RFC 8707 resource indicators) over HTTP, and its hot-path lookup. */
const clock = manualClock();
let server: TestServer;
let api: ReturnType<typeof client>;
let admin: string;
let adminId: string;
let orgId: string;
let newClient: ReturnType<typeof clientBuilder>;

let n = 0;
/** Data builder: registers a resource (a fresh https URI unless given) as `token`'s holder. */
async function register(body: Record<string, unknown> = {}, token = admin) {
  const r = await api.post(
    '/v1/resources',
    { uri: `https://api-${++n}.example.com/v1`, name: `API ${n}`, ...body },
    token,
  );
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

const auditOf = (targetId: string) =>
  server.runtime.db.system
    .selectFrom('audit_events')
    .select(['action', 'actor_type', 'actor_id', 'details'])
    .where('target_id', '=', targetId)
    .orderBy('id')
    .execute();

beforeAll(async () => {
  server = await startTestServer({ clock });
  api = client(server);
  admin = await api.login(server.admin.email, server.admin.password);
  const session = (await api.get('/v1/auth/session', admin)).body;
  adminId = session.user.id;
  orgId = session.org.id;
  newClient = clientBuilder(api, admin, 'res-agent');
});
afterAll(() => server.close());

describe('CRUD', () => {
  it('registers, reads, lists, renames and deletes a resource, auditing each change', async () => {
    const created = await api.post(
      '/v1/resources',
      { uri: 'https://invoices.example.com/api', name: 'Invoices', description: 'Billing API' },
      admin,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const r = created.body;
    expect(r).toEqual({
      id: expect.stringMatching(/^res_[0-9a-z]{26}$/),
      uri: 'https://invoices.example.com/api',
      name: 'Invoices',
      description: 'Billing API',
      created_by: adminId,
      created_at: expect.any(String),
    });
    expect((await api.get(`/v1/resources/${r.id}`, admin)).body).toEqual(r);

    const patched = await api.patch(`/v1/resources/${r.id}`, { name: 'Invoices v2', description: '' }, admin);
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toEqual({ ...r, name: 'Invoices v2', description: '' });
    // Nothing changes: no write, no audit record.
    expect((await api.patch(`/v1/resources/${r.id}`, { name: 'Invoices v2' }, admin)).status).toBe(200);

    expect((await api.del(`/v1/resources/${r.id}`, admin)).status).toBe(204);
    expect((await api.get(`/v1/resources/${r.id}`, admin)).status).toBe(404);
    expect((await api.del(`/v1/resources/${r.id}`, admin)).status).toBe(404);
    expect((await api.patch(`/v1/resources/${r.id}`, { name: 'gone' }, admin)).status).toBe(404);

    const events = await auditOf(r.id);
    expect(events.map((e) => e.action)).toEqual(['resource.created', 'resource.updated', 'resource.deleted']);
    expect(events.every((e) => e.actor_type === 'user' && e.actor_id === adminId)).toBe(true);
    expect(events[1]?.details).toMatchObject({ uri: r.uri, fields: ['name', 'description'] });
  });

  it('lists in creation order, a page at a time', async () => {
    const a = await register();
    const b = await register();
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await api.get(`/v1/resources?limit=1${cursor ? `&cursor=${cursor}` : ''}`, admin);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(1);
      ids.push(...page.body.items.map((i: { id: string }) => i.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(ids.indexOf(a.id)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(b.id)).toBe(ids.indexOf(a.id) + 1);
    expect((await api.get('/v1/resources?cursor=bm90LWFuLWlk', admin)).body.code).toBe('invalid_cursor');
  });

  it('stores the URI exactly as given (no normalisation), and the URI cannot be changed', async () => {
    const r = await register({ uri: 'HTTPS://Mixed.Example.com:443/Path/?q=1' });
    expect(r.uri).toBe('HTTPS://Mixed.Example.com:443/Path/?q=1');
    const { resources } = server.runtime.services;
    expect(await resources.isRegistered(orgId, 'HTTPS://Mixed.Example.com:443/Path/?q=1')).toBe(true);
    expect(await resources.isRegistered(orgId, 'https://mixed.example.com/Path/?q=1')).toBe(false);
    const patch = await api.patch(`/v1/resources/${r.id}`, { uri: 'https://other.example.com' }, admin);
    expect(patch.status).toBe(400);
    expect(patch.body.errors).toEqual([{ field: 'body.uri', message: 'is not a known field' }]);
  });

  it('refuses a second registration of the same URI in the org with 409 resource_exists', async () => {
    const r = await register();
    const again = await api.post('/v1/resources', { uri: r.uri, name: 'Again' }, admin);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('resource_exists');
    // Two at once: the unique index settles it with the same answer.
    const uri = 'https://race.example.com';
    const both = await Promise.all(
      [1, 2].map((i) => api.post('/v1/resources', { uri, name: `R${i}` }, admin)),
    );
    expect(both.map((b) => b.status).sort()).toEqual([201, 409]);
    expect(both.find((b) => b.status === 409)?.body.code).toBe('resource_exists');
  });
});

describe('URI rules (RFC 8707 §2)', () => {
  const refused: [string, string][] = [
    ['relative path', '/api/v1'],
    ['no scheme', 'api.example.com'],
    ['fragment', 'https://api.example.com/v1#section'],
    ['trailing #', 'https://api.example.com/v1#'],
    ['ftp scheme', 'ftp://files.example.com/'],
    ['urn', 'urn:example:api'],
    ['http on a public host', 'http://api.example.com/'],
    ['http on a private address', 'http://10.0.0.1/'],
    ['http on a loopback-looking name', 'http://localhost.example.com/'],
    ['too long', `https://api.example.com/${'a'.repeat(2048)}`],
    ['no authority', 'https:api.example.com'],
    ['empty authority', 'https:///api.example.com'],
    ['user information', 'https://user:pw@api.example.com/'],
    ['a space', 'https://api.example.com/a b'],
    ['non-ASCII', 'https://bücher.example/'],
    ['bad percent-encoding', 'https://api.example.com/%zz'],
    ['empty', ''],
  ];

  it.each(refused)('refuses %s with 400 naming body.uri', async (_, uri) => {
    const r = await api.post('/v1/resources', { uri, name: 'Bad' }, admin);
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.code).toBe('validation_failed');
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors[0].field).toBe('body.uri');
  });

  it("refuses the issuer's own URL (the default audience), with or without a trailing slash", async () => {
    const { issuer } = server.runtime.config;
    for (const uri of [issuer, `${issuer}/`]) {
      const r = await api.post('/v1/resources', { uri, name: 'Me' }, admin);
      expect(r.status, uri).toBe(400);
      expect(r.body.code).toBe('resource_is_issuer');
      expect(r.body.errors).toEqual([{ field: 'body.uri', message: expect.any(String) }]);
    }
    // A path under the issuer is another URI, and may be registered.
    await register({ uri: `${issuer}/mcp` });
  });

  it.each([
    'http://127.0.0.1:9000/mcp',
    'http://localhost:3000',
    'http://[::1]:8443/x',
    'https://api.example.com/v1?tenant=a',
    `https://api.example.com/${'a'.repeat(2048 - 'https://api.example.com/'.length)}`,
  ])('accepts %s', async (uri) => {
    expect((await register({ uri })).uri).toBe(uri);
  });

  it('checks name and description', async () => {
    const blank = await api.post('/v1/resources', { uri: 'https://named.example.com', name: '  ' }, admin);
    expect(blank.status).toBe(400);
    expect(blank.body.errors[0].field).toBe('body.name');
    const extra = await api.post(
      '/v1/resources',
      { uri: 'https://x.example.com', name: 'X', aud: 'y' },
      admin,
    );
    expect(extra.status).toBe(400);
  });
});

describe('who may', () => {
  it('viewers and managers may read but not change the registry', async () => {
    const r = await register();
    for (const role of ['viewer', 'manager']) {
      const m = await api.addMember(admin, `res-${role}@example.com`, role);
      const create = await api.post(
        '/v1/resources',
        { uri: `https://${role}.example.com`, name: 'No' },
        m.token,
      );
      expect(create.status).toBe(403);
      expect(create.body.code).toBe('insufficient_role');
      expect((await api.patch(`/v1/resources/${r.id}`, { name: 'No' }, m.token)).status).toBe(403);
      expect((await api.del(`/v1/resources/${r.id}`, m.token)).status).toBe(403);
      const list = await api.get('/v1/resources', m.token);
      expect(list.status).toBe(200);
      expect(list.body.items.map((i: { id: string }) => i.id)).toContain(r.id);
      expect((await api.get(`/v1/resources/${r.id}`, m.token)).status).toBe(200);
    }
    expect((await api.get(`/v1/resources/${r.id}`, admin)).body.name).toBe(r.name);
    expect((await api.get('/v1/resources')).status).toBe(401);
  });

  it("another org's resource is not found, not listed and not registered for it", async () => {
    const mine = await register();
    const other = await otherOrgAdmin(api, admin, 'res-b');
    const theirs = await register({ uri: mine.uri, name: 'Same URI, other org' }, other.token);
    for (const [token, id] of [
      [other.token, mine.id],
      [admin, theirs.id],
    ] as const) {
      expect((await api.get(`/v1/resources/${id}`, token)).status).toBe(404);
      expect((await api.patch(`/v1/resources/${id}`, { name: 'x' }, token)).status).toBe(404);
      expect((await api.del(`/v1/resources/${id}`, token)).status).toBe(404);
    }
    const list = await api.get('/v1/resources?limit=200', other.token);
    expect(list.body.items.map((i: { id: string }) => i.id)).toEqual([theirs.id]);
    const { resources } = server.runtime.services;
    expect((await api.del(`/v1/resources/${theirs.id}`, other.token)).status).toBe(204);
    expect(await resources.isRegistered(other.orgId, mine.uri)).toBe(false);
    expect(await resources.isRegistered(orgId, mine.uri)).toBe(true);
  });

  it('an agent token with gatehouse:resources.write registers resources; without it, it is refused', async () => {
    const writer = await newClient({ allowed_scopes: ['gatehouse:resources.write'] });
    const token = await writer.token();
    const r = await api.post(
      '/v1/resources',
      { uri: 'https://by-agent.example.com', name: 'By agent' },
      token,
    );
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.created_by).toBeNull();
    expect((await api.get('/v1/resources', token)).status).toBe(200);
    expect(await auditOf(r.body.id)).toMatchObject([
      { action: 'resource.created', actor_type: 'agent', actor_id: writer.agentId },
    ]);

    const reader = await newClient({ allowed_scopes: ['gatehouse:agents.write'] });
    const narrow = await reader.token();
    const refused = await api.post('/v1/resources', { uri: 'https://nope.example.com', name: 'No' }, narrow);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('insufficient_scope');
    expect(refused.headers.get('www-authenticate')).toContain('scope="gatehouse:resources.write"');
    expect((await api.get('/v1/resources', narrow)).status).toBe(403);
  });
});

describe('isRegistered (the token hot path)', () => {
  it('is true after create and false after delete, at once', async () => {
    const { resources } = server.runtime.services;
    const uri = 'https://lifecycle.example.com/api';
    expect(await resources.isRegistered(orgId, uri)).toBe(false);
    const r = await register({ uri });
    expect(await resources.isRegistered(orgId, uri)).toBe(true);
    expect((await api.del(`/v1/resources/${r.id}`, admin)).status).toBe(204);
    expect(await resources.isRegistered(orgId, uri)).toBe(false);
  });

  it('answers from memory: no query for a warm hit, nor for a miss within its few seconds', async () => {
    const { resources } = server.runtime.services;
    const { db } = server.runtime;
    const r = await register();
    const unknown = 'https://unknown.example.com/';
    expect(await resources.isRegistered(orgId, r.uri)).toBe(true);
    expect(await resources.isRegistered(orgId, unknown)).toBe(false);
    const tenant = vi.spyOn(db, 'tenant');
    try {
      for (let i = 0; i < 50; i++) {
        expect(await resources.isRegistered(orgId, r.uri)).toBe(true);
        expect(await resources.isRegistered(orgId, unknown)).toBe(false);
        // Never registrable: refused without a lookup.
        expect(await resources.isRegistered(orgId, 'http://evil.example.com/')).toBe(false);
      }
      expect(tenant).not.toHaveBeenCalled();
      // The spy does see a lookup that has to go to the database: a miss whose time is up.
      clock.advance(MISS_TTL_MS + 1);
      expect(await resources.isRegistered(orgId, unknown)).toBe(false);
      expect(tenant).toHaveBeenCalledTimes(1);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('a resource registered just after a miss is found at once (the miss is dropped)', async () => {
    const { resources } = server.runtime.services;
    const uri = 'https://late.example.com/';
    expect(await resources.isRegistered(orgId, uri)).toBe(false);
    expect(resources.lookup.size.misses).toBeGreaterThan(0);
    await register({ uri });
    expect(await resources.isRegistered(orgId, uri)).toBe(true);
  });

  it('the node subscribed at start: a message on the store drops its hits and misses', async () => {
    const { resources } = server.runtime.services;
    await resources.isRegistered(orgId, (await register()).uri);
    await resources.isRegistered(orgId, 'https://another-unknown.example.com/');
    await server.runtime.store.publish('resources.changed', 'drop everything');
    await vi.waitFor(() => expect(resources.lookup.size).toEqual({ hits: 0, misses: 0 }));
  });

  // Two real nodes need a shared database and a shared Redis: PostgreSQL + Redis mode only.
  it.skipIf(!process.env.DATABASE_URL || !process.env.REDIS_URL)(
    "a registration or deletion on one node reaches the other node's warm caches at once",
    async () => {
      const { database, redis, masterKey } = server.runtime.config;
      if (database.kind !== 'postgres' || !redis || !masterKey) throw new Error('needs PostgreSQL and Redis');
      const second = await startTestServer({
        env: {
          DATABASE_URL: database.url,
          GATEHOUSE_REDIS_PREFIX: redis.prefix,
          GATEHOUSE_MASTER_KEY: masterKey.toString('base64url'),
        },
      });
      try {
        const remote = second.runtime.services.resources;
        const uri = 'https://two-nodes.example.com/';
        // The other node remembers the miss (for seconds) ...
        expect(await remote.isRegistered(orgId, uri)).toBe(false);
        const r = await register({ uri });
        // ... and drops it on the message, well before the miss would lapse.
        await vi.waitFor(async () => expect(await remote.isRegistered(orgId, uri)).toBe(true), {
          timeout: MISS_TTL_MS / 2,
        });
        expect(remote.lookup.size.hits).toBeGreaterThan(0);
        expect((await api.del(`/v1/resources/${r.id}`, admin)).status).toBe(204);
        // Without the message the hit would stand for a minute.
        await vi.waitFor(async () => expect(await remote.isRegistered(orgId, uri)).toBe(false));
      } finally {
        await second.close();
      }
    },
  );
});
