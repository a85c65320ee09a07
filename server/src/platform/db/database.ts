import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { AppError } from '../errors.js';
import { insideTransaction, PGliteDialect } from './pglite-dialect.js';
import { type StorageThread, startStorageThread } from './storage-thread.js';
import type { Tables } from './tables.js';

export type Trx = Transaction<Tables>;
/** Anything queries run on: the database or a transaction of it. */
export type Q = Kysely<Tables>;

/** The Postgres role tenant transactions run as; row-level security applies to it. */
export const APP_ROLE = 'gatehouse_app';

export interface Db {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs outside any tenant, as the owner: only for work that precedes knowing the org
   * (session and invitation lookup by token hash, login by email, a user's own memberships),
   * bootstrap, the CLI, migrations, the audit group commit (one INSERT of rows the server
   * built, each naming its org), and the hub's send path (two single statements naming their org,
   * so a room's seq lock is held for no round trip). Everything else tenant-owned goes through
   * `tenant`.
   */
  readonly system: Kysely<Tables>;
  /** A transaction as the owner. */
  transaction<T>(fn: (trx: Trx) => Promise<T>): Promise<T>;
  /**
   * A transaction scoped to one org: it runs as APP_ROLE with `app.org_id` set, so row-level
   * security hides every other org's rows even if a query forgets its `org_id` filter.
   */
  tenant<T>(orgId: string, fn: (trx: Trx) => Promise<T>): Promise<T>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** The storage thread that holds the embedded database; absent on PostgreSQL. */
  readonly storage?: {
    /** Runs a job of the storage thread (storage-worker.ts) there, beside the database. */
    run<T = void>(job: string, payload: unknown): Promise<T>;
    /** The database as a data dir dump (tests carry one over a restart). */
    dump(): Promise<Uint8Array>;
  };
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A data dir dump the in-memory embedded database starts from (tests load a migrated template). */
  pgliteDump?: Uint8Array;
}

/** pg-pool's message when no connection frees up within connectionTimeoutMillis. */
const POOL_TIMEOUT = /^timeout exceeded when trying to connect$/;
const overloaded = (cause: Error) =>
  new AppError(
    503,
    'overloaded',
    'Gatehouse is overloaded: no database connection came free; retry shortly',
    {
      retryAfterSeconds: 1,
      cause,
    },
  );

/** Opens the configured database: PostgreSQL when DATABASE_URL is set, PGlite otherwise. */
export function createDatabase(config: Config, log: Logger, options: DatabaseOptions = {}): Db {
  let kysely: Kysely<Tables>;
  let thread: StorageThread | undefined;
  if (config.database.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: config.database.url,
      max: config.database.poolMax,
      connectionTimeoutMillis: 5_000,
    });
    // An idle client losing its server emits here; without a listener the process would crash.
    pool.on('error', (err) => log.error({ err: err.message }, 'postgres connection lost'));
    kysely = new Kysely<Tables>({
      dialect: new PostgresDialect({
        pool: {
          // Every connection busy past the wait: the node is overloaded, a 503 to retry, not a 500.
          connect: () =>
            pool.connect().catch((err: Error) => {
              throw POOL_TIMEOUT.test(err.message) ? overloaded(err) : err;
            }),
          end: () => pool.end(),
        },
      }),
    });
  } else {
    const { dataDir } = config.database;
    thread = startStorageThread(
      { dataDir, ...(options.pgliteDump ? { load: options.pgliteDump } : {}) },
      log,
    );
    kysely = new Kysely<Tables>({ dialect: new PGliteDialect(thread.link) });
  }

  // The guard against querying the database handle inside a transaction (a deadlock on PGlite)
  // needs AsyncLocalStorage, which on Node 20 puts a hook on every promise: it catches the
  // mistake in development and tests, and production does without its cost.
  const guarded = !config.production;
  const transaction = <T>(fn: (trx: Trx) => Promise<T>) =>
    kysely.transaction().execute((trx) => (guarded ? insideTransaction.run(true, () => fn(trx)) : fn(trx)));

  return {
    kind: config.database.kind,
    system: kysely,
    transaction,
    tenant: (orgId, fn) =>
      transaction(async (trx) => {
        await sql`select set_config('app.org_id', ${orgId}, true), set_config('role', ${APP_ROLE}, true)`.execute(
          trx,
        );
        return fn(trx);
      }),
    async ping() {
      await sql`select 1`.execute(kysely);
    },
    ...(thread ? { storage: { run: thread.run, dump: thread.dump } } : {}),
    // Embedded, destroying Kysely closes PGlite and with it the storage thread.
    close: () => kysely.destroy(),
  };
}
