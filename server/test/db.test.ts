import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { appendChained } from '../src/modules/audit/chain.js';
import { createDatabase, type Db, type Trx } from '../src/platform/db/database.js';
import { type Migration, migrate, readMigrations } from '../src/platform/db/migrate.js';
import { newId } from '../src/platform/ids.js';
import { freshDatabase } from './harness.js';

const silent = pino({ level: 'silent' });
const onPostgres = Boolean(process.env.DATABASE_URL);
const suffix = () => randomBytes(5).toString('hex');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

type Fresh = Awaited<ReturnType<typeof freshDatabase>>;

function open(fresh: Fresh): Db {
  const config = loadConfig({
    GATEHOUSE_DATA_DIR: 'memory',
    ...fresh.env,
    GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64url'),
  });
  return createDatabase(config, silent, fresh.pgliteDump ? { pgliteDump: fresh.pgliteDump } : {});
}

let fresh: Fresh;
let db: Db;
/** What migrate() applied when this file's database was opened. */
let initiallyApplied: string[];
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  fresh = await freshDatabase();
  db = open(fresh);
  initiallyApplied = await migrate(db);
});
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
  await db?.close();
  await fresh?.drop();
});

describe('migrations', () => {
  it('apply once: a second run applies nothing', async () => {
    const files = await readMigrations();
    expect(files.map((m) => m.name)).toContain('0001_foundation');
    // PGlite starts from the migrated template; a fresh PostgreSQL database starts empty.
    expect(initiallyApplied).toEqual(onPostgres ? files.map((m) => m.name) : []);
    expect(await migrate(db)).toEqual([]);
    expect(await migrate(db)).toEqual([]);
  });

  it('records each migration with the checksum of its file', async () => {
    const rows = await db.system.selectFrom('gatehouse_migrations').selectAll().orderBy('version').execute();
    const files = await readMigrations();
    expect(rows.map((r) => ({ version: r.version, name: r.name, checksum: r.checksum }))).toEqual(
      files.map((m) => ({ version: m.version, name: m.name, checksum: m.checksum })),
    );
    // The checksum is the SHA-256 of the file as it is on disk.
    const text = await readFile(new URL('../migrations/0001_foundation.sql', import.meta.url), 'utf8');
    expect(rows.find((r) => r.version === 1)?.checksum).toBe(sha256(text));
    expect(rows.every((r) => r.applied_at instanceof Date)).toBe(true);
  });

  it('refuses a migration edited after it was applied, naming it', async () => {
    const files = await readMigrations();
    const edited: Migration[] = files.map((m) => {
      if (m.version !== 1) return m;
      const text = `${m.sql}\ncreate table edited_after_the_fact (id int);\n`;
      return { ...m, sql: text, checksum: sha256(text) };
    });
    await expect(migrate(db, edited)).rejects.toThrow(
      /migration 0001_foundation was edited after it was applied/,
    );
    // Nothing of the edit ran, and the record is unchanged.
    const exists = await sql<{
      t: string | null;
    }>`select to_regclass('edited_after_the_fact')::text as t`.execute(db.system);
    expect(exists.rows[0]?.t).toBeNull();
    const row = await db.system
      .selectFrom('gatehouse_migrations')
      .select('checksum')
      .where('version', '=', 1)
      .executeTakeFirstOrThrow();
    expect(row.checksum).toBe(files[0]?.checksum);
  });

  it('two migrate() calls at the same time both succeed and apply each migration once', async () => {
    // On PostgreSQL two pools (two nodes) on the same database, so the advisory lock is what
    // keeps them apart; on PGlite the one session serializes them.
    const other = onPostgres ? open(fresh) : db;
    if (other !== db) cleanup.push(() => other.close());
    await other.ping();
    // The sleep holds the first transaction open, so without the lock the second would read
    // "not applied" meanwhile and apply it again.
    const probeSql = `create table concurrency_probe (id int primary key);
      select pg_sleep(0.3);
      insert into concurrency_probe values (1);`;
    const probe: Migration = {
      version: 9001,
      name: '9001_concurrency_probe',
      sql: probeSql,
      checksum: sha256(probeSql),
    };
    const list = [...(await readMigrations()), probe];

    const results = await Promise.all([migrate(db, list), migrate(other, list)]);
    expect(results.flat()).toEqual(['9001_concurrency_probe']);

    const applied = await db.system
      .selectFrom('gatehouse_migrations')
      .select(['version'])
      .where('version', '=', 9001)
      .execute();
    expect(applied).toHaveLength(1);
    const rows = await sql<{ n: number }>`select count(*)::int as n from concurrency_probe`.execute(
      db.system,
    );
    expect(rows.rows[0]?.n).toBe(1);
  });

  it.skipIf(!onPostgres)('two nodes migrating an empty PostgreSQL database together', async () => {
    const empty = await freshDatabase();
    const a = open(empty);
    const b = open(empty);
    try {
      const results = await Promise.all([migrate(a), migrate(b)]);
      const names = (await readMigrations()).map((m) => m.name);
      expect(results.flat().sort()).toEqual(names);
      // One of them applied everything, the other found it done.
      expect(results.map((r) => r.length).sort()).toEqual([0, names.length]);
      const rows = await a.system.selectFrom('gatehouse_migrations').select('version').execute();
      expect(rows).toHaveLength(names.length);
    } finally {
      await a.close();
      await b.close();
      await empty.drop();
    }
  });
});

describe.runIf(onPostgres)('connection pool', () => {
  it('answers 503 overloaded, not a 500, when no connection comes free in time', async () => {
    const one = createDatabase(
      loadConfig({
        ...fresh.env,
        DATABASE_POOL_MAX: '1',
        GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64url'),
      }),
      silent,
    );
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const holding = one.transaction(async () => held);
    try {
      await expect(sql`select 1`.execute(one.system)).rejects.toMatchObject({
        status: 503,
        code: 'overloaded',
        extra: { retryAfterSeconds: 1 },
      });
    } finally {
      release();
      await holding;
      await one.close();
    }
  }, 15_000);
});

describe('transactions', () => {
  beforeAll(async () => {
    await sql`create table test_counter (id int primary key, n int not null)`.execute(db.system);
    await sql`insert into test_counter values (1, 0)`.execute(db.system);
  });

  it('concurrent read-modify-write transactions do not interleave', async () => {
    let inside = 0;
    let maxInside = 0;
    const bump = (i: number) =>
      db.transaction(async (trx) => {
        // `for update` makes PostgreSQL serialize the writers; PGlite must not interleave them at all.
        const { rows } = await sql<{ n: number }>`select n from test_counter where id = 1 for update`.execute(
          trx,
        );
        inside++;
        maxInside = Math.max(maxInside, inside);
        await sleep(i % 3);
        await sql`update test_counter set n = ${(rows[0]?.n ?? 0) + 1} where id = 1`.execute(trx);
        inside--;
      });
    await Promise.all(Array.from({ length: 20 }, (_, i) => bump(i)));
    const { rows } = await sql<{ n: number }>`select n from test_counter where id = 1`.execute(db.system);
    expect(rows[0]?.n).toBe(20);
    expect(maxInside).toBe(1);
  });

  it.skipIf(onPostgres)(
    'a query on db.system inside a transaction rejects on PGlite instead of hanging',
    async () => {
      await expect(
        db.transaction(async () => {
          await db.system.selectFrom('orgs').select('id').execute();
        }),
      ).rejects.toThrow(/inside a transaction/);
      await expect(
        db.tenant(newId('org'), async () => {
          await sql`select 1`.execute(db.system);
        }),
      ).rejects.toThrow(/inside a transaction/);
      // The lock was released and the session is usable.
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db.system);
      expect(rows).toEqual([{ one: 1 }]);
      await expect(db.transaction((trx) => sql`select 1`.execute(trx))).resolves.toBeTruthy();
    },
  );

  it('a rolled-back transaction leaves nothing behind', async () => {
    const orgId = newId('org');
    const userId = newId('usr');
    await expect(
      db.transaction(async (trx) => {
        await trx
          .insertInto('orgs')
          .values({ id: orgId, name: 'Doomed', slug: `doomed-${suffix()}` })
          .execute();
        await trx
          .insertInto('users')
          .values({ id: userId, email: `${suffix()}@doomed.example` })
          .execute();
        await trx
          .insertInto('memberships')
          .values({ org_id: orgId, user_id: userId, role: 'admin' })
          .execute();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await db.system.selectFrom('orgs').where('id', '=', orgId).selectAll().execute()).toEqual([]);
    expect(await db.system.selectFrom('users').where('id', '=', userId).selectAll().execute()).toEqual([]);
    expect(
      await db.system.selectFrom('memberships').where('org_id', '=', orgId).selectAll().execute(),
    ).toEqual([]);
  });

  it('a statement failing mid-transaction rolls back the earlier ones and the database stays usable', async () => {
    const slug = `dup-${suffix()}`;
    await db.system
      .insertInto('orgs')
      .values({ id: newId('org'), name: 'First', slug })
      .execute();
    const orgId = newId('org');
    await expect(
      db.transaction(async (trx) => {
        await trx
          .insertInto('orgs')
          .values({ id: orgId, name: 'Kept?', slug: `kept-${suffix()}` })
          .execute();
        await trx
          .insertInto('orgs')
          .values({ id: newId('org'), name: 'Dup', slug })
          .execute();
      }),
    ).rejects.toThrow(/duplicate key|unique/);
    expect(await db.system.selectFrom('orgs').where('id', '=', orgId).selectAll().execute()).toEqual([]);
    const after = await db.transaction((trx) =>
      trx.selectFrom('orgs').where('slug', '=', slug).select('name').execute(),
    );
    expect(after).toEqual([{ name: 'First' }]);
  });
});

describe('row-level security', () => {
  const orgA = newId('org');
  const orgB = newId('org');
  const userA = newId('usr');
  const userB = newId('usr');
  const shared = newId('usr');

  beforeAll(async () => {
    // Written directly as the owner, the way bootstrap and migrations do.
    const expires = new Date(Date.now() + 3_600_000);
    await db.transaction(async (trx) => {
      await trx
        .insertInto('orgs')
        .values([
          { id: orgA, name: 'Org A', slug: `org-a-${suffix()}` },
          { id: orgB, name: 'Org B', slug: `org-b-${suffix()}` },
        ])
        .execute();
      await trx
        .insertInto('users')
        .values([
          { id: userA, email: `a-${suffix()}@example.com` },
          { id: userB, email: `b-${suffix()}@example.com` },
          { id: shared, email: `shared-${suffix()}@example.com` },
        ])
        .execute();
      await trx
        .insertInto('memberships')
        .values([
          { org_id: orgA, user_id: userA, role: 'admin' },
          { org_id: orgB, user_id: userB, role: 'admin' },
          { org_id: orgA, user_id: shared, role: 'member' },
          { org_id: orgB, user_id: shared, role: 'viewer' },
        ])
        .execute();
      await trx
        .insertInto('invitations')
        .values([
          {
            id: newId('inv'),
            org_id: orgA,
            email: 'inv-a@example.com',
            role: 'member',
            token_hash: suffix(),
            expires_at: expires,
          },
          {
            id: newId('inv'),
            org_id: orgB,
            email: 'inv-b@example.com',
            role: 'member',
            token_hash: suffix(),
            expires_at: expires,
          },
        ])
        .execute();
      await trx
        .insertInto('sessions')
        .values([
          { id: newId('ses'), org_id: orgA, user_id: userA, token_hash: suffix(), expires_at: expires },
          { id: newId('ses'), org_id: orgB, user_id: userB, token_hash: suffix(), expires_at: expires },
        ])
        .execute();
      await appendChained(trx, [
        { orgId: orgA, actor: { type: 'user', id: userA }, action: 'test.a' },
        { orgId: orgB, actor: { type: 'user', id: userB }, action: 'test.b' },
        { orgId: null, actor: { type: 'system', id: null }, action: 'test.none' },
      ]);
    });
  });

  /** Every row of every tenant-owned table the querier can see, with no org filter at all. */
  const everything = async (q: Trx | Db['system']) => ({
    orgs: await q.selectFrom('orgs').selectAll().execute(),
    memberships: await q.selectFrom('memberships').selectAll().execute(),
    users: await q.selectFrom('users').selectAll().execute(),
    invitations: await q.selectFrom('invitations').selectAll().execute(),
    sessions: await q.selectFrom('sessions').selectAll().execute(),
    audit: await q.selectFrom('audit_events').selectAll().execute(),
  });

  it('the owner sees every org (the rows exist)', async () => {
    const all = await everything(db.system);
    expect(all.orgs.map((o) => o.id)).toEqual(expect.arrayContaining([orgA, orgB]));
    expect(new Set(all.memberships.map((m) => m.org_id))).toEqual(new Set([orgA, orgB]));
    expect(all.invitations.length).toBeGreaterThanOrEqual(2);
    expect(all.sessions.length).toBeGreaterThanOrEqual(2);
    expect(all.audit.length).toBeGreaterThanOrEqual(3);
  });

  it('inside tenant(orgA) queries without an org filter see only org A', async () => {
    const seen = await db.tenant(orgA, (trx) => everything(trx));
    expect(seen.orgs.map((o) => o.id)).toEqual([orgA]);
    expect(seen.memberships.map((m) => `${m.org_id}/${m.user_id}`).sort()).toEqual(
      [`${orgA}/${userA}`, `${orgA}/${shared}`].sort(),
    );
    expect(seen.invitations.map((i) => i.org_id)).toEqual([orgA]);
    expect(seen.sessions.map((s) => s.org_id)).toEqual([orgA]);
    expect(seen.audit.map((a) => a.action)).toEqual(['test.a']);
    // Users are visible only while members of the org: not B's, and not B's membership of the shared one.
    expect(seen.users.map((u) => u.id).sort()).toEqual([userA, shared].sort());

    const fromB = await db.tenant(orgB, (trx) => everything(trx));
    expect(fromB.orgs.map((o) => o.id)).toEqual([orgB]);
    expect(fromB.users.map((u) => u.id).sort()).toEqual([userB, shared].sort());
  });

  it('the app role without app.org_id sees no rows at all', async () => {
    // First run a tenant transaction so a previous org id could linger on the session.
    await db.tenant(orgA, (trx) => trx.selectFrom('orgs').select('id').execute());
    const seen = await db.transaction(async (trx) => {
      await sql`select set_config('role', 'gatehouse_app', true)`.execute(trx);
      const role = await sql<{ r: string }>`select current_user as r`.execute(trx);
      expect(role.rows[0]?.r).toBe('gatehouse_app');
      return everything(trx);
    });
    expect(seen).toEqual({ orgs: [], memberships: [], users: [], invitations: [], sessions: [], audit: [] });
  });

  it('inside tenant(orgA) writing org B rows is refused or touches nothing', async () => {
    const outsider = newId('usr');
    await db.system
      .insertInto('users')
      .values({ id: outsider, email: `out-${suffix()}@example.com` })
      .execute();

    await expect(
      db.tenant(orgA, (trx) =>
        trx.insertInto('memberships').values({ org_id: orgB, user_id: outsider, role: 'admin' }).execute(),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      db.tenant(orgA, (trx) =>
        trx
          .insertInto('invitations')
          .values({
            id: newId('inv'),
            org_id: orgB,
            email: 'sneaky@example.com',
            role: 'admin',
            token_hash: suffix(),
            expires_at: new Date(Date.now() + 60_000),
          })
          .execute(),
      ),
    ).rejects.toThrow(/row-level security/);
    // Moving an own row into another org is refused too.
    await expect(
      db.tenant(orgA, (trx) =>
        trx.updateTable('memberships').set({ org_id: orgB }).where('user_id', '=', userA).execute(),
      ),
    ).rejects.toThrow(/row-level security/);

    // Updates and deletes aimed at org B match no rows.
    const [updated, deleted] = await db.tenant(orgA, async (trx) => [
      await trx
        .updateTable('memberships')
        .set({ role: 'viewer' })
        .where('org_id', '=', orgB)
        .executeTakeFirst(),
      await trx.deleteFrom('memberships').where('org_id', '=', orgB).executeTakeFirst(),
    ]);
    expect(Number((updated as any).numUpdatedRows)).toBe(0);
    expect(Number((deleted as any).numDeletedRows)).toBe(0);

    const bMembers = await db.system
      .selectFrom('memberships')
      .select(['user_id', 'role'])
      .where('org_id', '=', orgB)
      .orderBy('user_id')
      .execute();
    expect(bMembers).toEqual(
      [
        { user_id: userB, role: 'admin' },
        { user_id: shared, role: 'viewer' },
      ].sort((x, y) => x.user_id.localeCompare(y.user_id)),
    );
  });

  it('inside tenant(orgA) writing org A rows works', async () => {
    const invited = newId('inv');
    await db.tenant(orgA, (trx) =>
      trx
        .insertInto('invitations')
        .values({
          id: invited,
          org_id: orgA,
          email: 'welcome@example.com',
          role: 'member',
          token_hash: suffix(),
          expires_at: new Date(Date.now() + 60_000),
        })
        .execute(),
    );
    const row = await db.system
      .selectFrom('invitations')
      .select('org_id')
      .where('id', '=', invited)
      .execute();
    expect(row).toEqual([{ org_id: orgA }]);
  });

  it('a rolled-back tenant transaction leaves nothing behind', async () => {
    const id = newId('inv');
    await expect(
      db.tenant(orgA, async (trx) => {
        await trx
          .insertInto('invitations')
          .values({
            id,
            org_id: orgA,
            email: 'gone@example.com',
            role: 'member',
            token_hash: suffix(),
            expires_at: new Date(Date.now() + 60_000),
          })
          .execute();
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await db.system.selectFrom('invitations').where('id', '=', id).selectAll().execute()).toEqual([]);
    // The role switch ended with the transaction: the owner sees every org again.
    const orgs = await db.transaction((trx) => trx.selectFrom('orgs').select('id').execute());
    expect(orgs.map((o) => o.id)).toEqual(expect.arrayContaining([orgA, orgB]));
  });
});
