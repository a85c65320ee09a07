import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import pg from 'pg';
import { pino } from 'pino';
import { inject } from 'vitest';
import { loadConfig } from '../src/config.js';
import type { Clock } from '../src/platform/clock.js';
import type { Runtime } from '../src/runtime.js';
import { startServer } from '../src/server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The migrated PGlite dump made by global-setup.ts; empty on PostgreSQL. */
    pgliteTemplate: string;
  }
}

export const ADMIN = { email: 'admin@example.com', password: 'admin password 123' };

/** A clock tests can move forward. */
export function manualClock(start = new Date()) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
  } satisfies Clock & { advance(ms: number): void };
}

/** A database of its own: a fresh PostgreSQL database, or PGlite loaded from the migrated template. */
export async function freshDatabase(): Promise<{
  env: Record<string, string>;
  /** The migrated template the embedded database starts from. */
  pgliteDump?: Uint8Array;
  drop(): Promise<void>;
}> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const pgliteDump = new Uint8Array(await readFile(inject('pgliteTemplate')));
    return { env: {}, pgliteDump, drop: async () => {} };
  }
  const name = `gh_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString() },
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** A port free right now, so the issuer (and links built from it) can name the real address. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

export interface TestServer {
  url: string;
  admin: { email: string; password: string };
  runtime: Runtime;
  /** What bootstrap printed (the first admin's credentials). */
  printed: string[];
  close(): Promise<void>;
  /**
   * Stops the server and starts a new process-like instance on the same database, port and
   * configuration: in-process state (caches, the memory store) is gone, durable state is kept.
   */
  restart(): Promise<void>;
}

/**
 * A real Gatehouse on 127.0.0.1 over a fresh database (and its own Redis key space when
 * REDIS_URL is set), ready to serve.
 */
export async function startTestServer(
  options: {
    env?: Record<string, string>;
    clock?: Clock;
    admin?: boolean;
    /** Collects every log line (at debug level), for tests that search the logs. */
    logLines?: string[];
    /** The hub socket's heartbeat, shortened to see a missed one quickly. */
    hubHeartbeat?: { intervalMs: number; timeoutMs: number };
  } = {},
): Promise<TestServer> {
  const db = await freshDatabase();
  const port = await freePort();
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    GATEHOUSE_ISSUER: `http://127.0.0.1:${port}`,
    GATEHOUSE_DATA_DIR: 'memory',
    GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64url'),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...(options.admin === false
      ? {}
      : { GATEHOUSE_ADMIN_EMAIL: ADMIN.email, GATEHOUSE_ADMIN_PASSWORD: ADMIN.password }),
    ...(process.env.REDIS_URL
      ? {
          REDIS_URL: process.env.REDIS_URL,
          GATEHOUSE_REDIS_PREFIX: `gh:test:${randomBytes(4).toString('hex')}:`,
        }
      : {}),
    ...db.env,
    ...options.env,
  };
  const config = loadConfig(env);
  const printed: string[] = [];
  const boot = async (pgliteDump: Uint8Array | undefined) => {
    const { logLines } = options;
    const log = logLines
      ? pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) })
      : pino({ level: config.logLevel });
    const started = await startServer(config, log, {
      ...(pgliteDump ? { pgliteDump } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.hubHeartbeat ? { hub: { heartbeat: options.hubHeartbeat } } : {}),
      print: (text) => printed.push(text),
    });
    await started.started;
    return started;
  };
  let server = await boot(db.pgliteDump);
  const test: TestServer = {
    url: server.url,
    admin: ADMIN,
    runtime: server.runtime,
    printed,
    async close() {
      await server.close();
      await db.drop();
    },
    async restart() {
      // PGlite lives in memory here: what was committed is carried over as a data dir dump.
      const dump = await server.runtime.db.storage?.dump();
      await server.close();
      server = await boot(dump);
      test.runtime = server.runtime;
    },
  };
  return test;
}
