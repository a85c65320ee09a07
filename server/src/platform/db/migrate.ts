import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { sql } from 'kysely';
import type { Db } from './database.js';

/** server/migrations, from both src/platform/db and dist/platform/db. */
const MIGRATIONS_DIR = new URL('../../../migrations/', import.meta.url);

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export async function readMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => {
      const text = await readFile(new URL(file, dir), 'utf8');
      return {
        version: Number(file.slice(0, 4)),
        name: file.replace(/\.sql$/, ''),
        sql: text,
        checksum: createHash('sha256').update(text).digest('hex'),
      };
    }),
  );
}

/**
 * Applies pending migrations in one transaction under a transaction-scoped advisory lock,
 * so nodes starting together apply each migration once. A migration whose file changed
 * after it was applied stops the start: migrations are forward-only and never edited.
 */
export async function migrate(db: Db, migrations?: Migration[]): Promise<string[]> {
  const all = migrations ?? (await readMigrations());
  return db.transaction(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('gatehouse.migrate'))`.execute(trx);
    await sql`create table if not exists gatehouse_migrations (
      version integer primary key,
      name text not null,
      checksum text not null,
      applied_at timestamptz not null default now()
    )`.execute(trx);
    const applied = new Map(
      (await trx.selectFrom('gatehouse_migrations').selectAll().execute()).map((m) => [m.version, m]),
    );
    const done: string[] = [];
    for (const m of all) {
      const previous = applied.get(m.version);
      if (previous) {
        if (previous.checksum !== m.checksum) {
          throw new Error(`migration ${m.name} was edited after it was applied; add a new migration instead`);
        }
        continue;
      }
      await sql.raw(m.sql).execute(trx);
      await trx
        .insertInto('gatehouse_migrations')
        .values({ version: m.version, name: m.name, checksum: m.checksum })
        .execute();
      done.push(m.name);
    }
    return done;
  });
}
