import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/server.js';
import { client } from './client.js';
import { startTestServer, type TestServer } from './harness.js';

const REDIS_URL = process.env.REDIS_URL;
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

/** Polls `fn` until `accept` holds, returning the last result; fails after `ms`. */
async function pollUntil<T>(fn: () => Promise<T>, accept: (v: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (accept(value)) return value;
    if (Date.now() > deadline) return value;
    await sleep(100);
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

/** A throwaway redis-server on `port`, without persistence; resolves once it accepts connections. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    });
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

async function stopRedis(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

const expectProblem = (r: { status: number; headers: Headers; body: any }, status: number, code: string) => {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.body).toMatchObject({ status, code, type: `urn:gatehouse:problem:${code}` });
};

describe('health endpoints of a ready node', () => {
  let server: TestServer;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    server = await startTestServer();
    api = client(server);
  });
  afterAll(() => server?.close());

  it('GET /healthz answers 200', async () => {
    const r = await api.get('/healthz');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 200 with every check ok', async () => {
    const r = await api.get('/readyz');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      status: 'ready',
      checks: { startup: 'ok', database: 'ok', ...(REDIS_URL ? { redis: 'ok' } : {}) },
    });
  });

  it('GET /metrics is Prometheus text with process and per-route metrics', async () => {
    expect((await api.get('/healthz')).status).toBe(200);
    const token = await api.login(server.admin.email, server.admin.password);
    const userId = `usr_${'0'.repeat(10)}${randomBytes(8).toString('hex')}`;
    expect(userId).toMatch(/^usr_[0-9a-z]{26}$/);
    const member = await api.get(`/v1/users/${userId}`, token);
    expect(member.status).toBe(404);
    const strayPath = `/no-such-route-${randomBytes(4).toString('hex')}`;
    expect((await api.get(strayPath)).status).toBe(404);

    const r = await api.get('/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    const text: string = r.body;
    expect(text).toMatch(/^# TYPE process_cpu_user_seconds_total counter$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);

    const healthz = text.match(/^http_requests_total\{method="GET",route="\/healthz",status="200"\} (\d+)$/m);
    expect(healthz).not.toBeNull();
    expect(Number(healthz?.[1])).toBeGreaterThanOrEqual(2);

    // Labelled with the route template, never the raw URL.
    expect(text).toMatch(/^# TYPE http_request_duration_seconds histogram$/m);
    const buckets = text
      .split('\n')
      .filter(
        (line) =>
          line.startsWith('http_request_duration_seconds_bucket{') && line.includes('route="/v1/users/:id"'),
      );
    expect(buckets.length).toBeGreaterThan(1);
    expect(buckets.some((line) => line.includes('le="+Inf"'))).toBe(true);
    for (const line of buckets) expect(line).toMatch(/method="GET"/);
    expect(
      buckets.some((line) => /status="404"/.test(line) && / 1$/.test(line) && line.includes('le="+Inf"')),
    ).toBe(true);
    expect(text).toMatch(/^http_request_duration_seconds_count\{[^}]*route="\/v1\/users\/:id"[^}]*\} 1$/m);
    expect(text).not.toContain(userId);
    expect(text).not.toContain(strayPath);
  });
});

describe('Redis lost while running', () => {
  let redis: ChildProcess | undefined;
  let server: TestServer | undefined;

  afterAll(async () => {
    await server?.close();
    await stopRedis(redis);
  });

  it.skipIf(!hasRedisServer)(
    'readyz goes 503 while Redis is down and back to 200 when it returns',
    async () => {
      const port = await freePort();
      redis = await startRedis(port);
      server = await startTestServer({
        env: { REDIS_URL: `redis://127.0.0.1:${port}`, GATEHOUSE_REDIS_PREFIX: 'gh:readiness:' },
      });
      const api = client(server);
      expect(server.runtime.store.kind).toBe('redis');

      const ready = await pollUntil(
        () => api.get('/readyz'),
        (r) => r.status === 200,
        10_000,
      );
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toEqual({ startup: 'ok', database: 'ok', redis: 'ok' });

      await stopRedis(redis);
      const down = await pollUntil(
        () => api.get('/readyz'),
        (r) => r.status !== 200,
        10_000,
      );
      expect(down.status).toBe(503);
      expect(down.body.status).toBe('not_ready');
      expect(down.body.checks.redis).not.toBe('ok');
      expect(down.body.checks.redis).toEqual(expect.any(String));
      expect(down.body.checks.database).toBe('ok');
      expect(down.body.checks.startup).toBe('ok');
      // Liveness does not depend on Redis.
      expect((await api.get('/healthz')).status).toBe(200);

      redis = await startRedis(port);
      const back = await pollUntil(
        () => api.get('/readyz'),
        (r) => r.status === 200,
        15_000,
      );
      expect(back.status).toBe(200);
      expect(back.body.checks).toEqual({ startup: 'ok', database: 'ok', redis: 'ok' });
      // The store works again, not just its ping.
      await server.runtime.store.set('probe', 'v', 10_000);
      expect(await server.runtime.store.get('probe')).toBe('v');
    },
  );
});

describe('database unreachable at start', () => {
  it('listens, is live but not ready, refuses /v1 with not_ready, and closes without hanging', async () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
      GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64url'),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
    });
    const server = await startServer(config, pino({ level: 'silent' }));
    let closed = false;
    try {
      const api = client(server);
      const live = await api.get('/healthz');
      expect(live.status).toBe(200);
      expect(live.body).toEqual({ status: 'ok' });

      const ready = await api.get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.status).toBe('not_ready');
      expect(ready.body.checks.startup).toBe('starting');
      expect(ready.body.checks.database).not.toBe('ok');
      expect(ready.body.checks.database).toEqual(expect.any(String));

      const users = await api.get('/v1/users');
      expectProblem(users, 503, 'not_ready');
      const login = await api.post('/v1/auth/login', {
        email: 'a@example.com',
        password: 'whatever password',
      });
      expectProblem(login, 503, 'not_ready');

      await server.close();
      closed = true;
      // The start loop gives up once closing; it never marks the node ready.
      await server.started;
      expect(server.runtime.state.ready).toBe(false);
      await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    } finally {
      if (!closed) await server.close();
    }
  });
});
