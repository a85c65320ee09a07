import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from 'kysely';

/**
 * Marks code running inside a transaction. PGlite has one session, so a query on the database
 * handle from inside a transaction would wait for that transaction forever; it fails instead.
 */
export const insideTransaction = new AsyncLocalStorage<true>();

export interface PgliteResult {
  rows: unknown[];
  affectedRows?: number;
}

/**
 * PGlite's one session, shared: a statement on its own holds it for that statement; `begin`
 * holds it until `end`, so concurrent transactions run one after another instead of
 * interleaving. Served in the thread that holds PGlite (pglite-host.ts) and, through messages,
 * from the request thread (storage-thread-client.ts).
 */
export interface PgliteLink {
  /** Runs a statement, in `session` (from `begin`) or on its own. */
  query(sql: string, params: readonly unknown[], session?: number): Promise<PgliteResult>;
  /** Waits for the session, then opens a transaction in it. */
  begin(): Promise<number>;
  /** Commits or rolls back `session`'s transaction and gives the session up, whatever happens. */
  end(session: number, commit: boolean): Promise<void>;
  close(): Promise<void>;
}

class PgliteConnection implements DatabaseConnection {
  session: number | undefined;

  constructor(private readonly link: PgliteLink) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.link.query(query.sql, query.parameters, this.session);
    const rows = result.rows as R[];
    const affected = result.affectedRows;
    return affected === undefined ? { rows } : { rows, numAffectedRows: BigInt(affected) };
  }

  // biome-ignore lint/correctness/useYield: streaming is not offered by PGlite; refuse clearly.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streamQuery is not supported on PGlite; page with a cursor instead');
  }
}

class PgliteDriver implements Driver {
  constructor(private readonly link: PgliteLink) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (insideTransaction.getStore()) {
      throw new Error('query on the database handle inside a transaction: use the transaction instead');
    }
    return new PgliteConnection(this.link);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    (connection as PgliteConnection).session = await this.link.begin();
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#end(connection as PgliteConnection, true);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#end(connection as PgliteConnection, false);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    // Only reached with a session still held if commit and rollback were never called.
    await this.#end(connection as PgliteConnection, false);
  }

  async #end(connection: PgliteConnection, commit: boolean): Promise<void> {
    const session = connection.session;
    if (session === undefined) return;
    connection.session = undefined;
    await this.link.end(session, commit);
  }

  async destroy(): Promise<void> {
    await this.link.close();
  }
}

/** Kysely dialect over PGlite's one session, wherever PGlite runs. */
export class PGliteDialect implements Dialect {
  constructor(private readonly link: PgliteLink) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PgliteDriver(this.link);
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}
