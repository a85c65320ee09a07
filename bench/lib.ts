// Shared helpers: start a server as a child process, wait for it, read its memory, stop it; a
// throwaway PostgreSQL database; the columns every throughput table shares.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const GATEHOUSE_BIN = join(ROOT, 'server/bin/gatehouse.js');
export const PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = 'redis://127.0.0.1:6379';

export interface Child {
  proc: ChildProcess;
  pid: number;
  url: string;
  /** The last few kilobytes the child wrote to stderr (and stdout when captured). */
  tail(): string;
}

/** A port that was free a moment ago (the kernel picks it; we close and hand it on). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `node <args>` with the given env on 127.0.0.1:<port>. stdout is discarded
 * (/dev/null) unless captureStdout, so log writing costs what it costs in production.
 */
export function spawnNode(args: string[], env: Record<string, string>, captureStdout = false): Child {
  const flags = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const proc = spawn(process.execPath, [...flags, ...args], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', ...env },
    stdio: ['ignore', captureStdout ? 'pipe' : 'ignore', 'pipe'],
  });
  if (proc.pid === undefined) throw new Error(`could not spawn node ${args.join(' ')}`);
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4096);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  if (process.env.BENCH_STDERR) proc.stderr?.pipe(process.stderr);
  return { proc, pid: proc.pid, url: `http://127.0.0.1:${env.PORT}`, tail: () => tail };
}

/** Polls `url` every intervalMs (after each answer) until it returns 200; resolves the time it did. */
export async function waitFor200(child: Child, path: string, timeoutMs = 120_000, intervalMs = 50) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.proc.exitCode !== null) {
      throw new Error(`server exited (${child.proc.exitCode}) before ${path} was 200:\n${child.tail()}`);
    }
    const signal = AbortSignal.timeout(Math.max(1, Math.ceil(deadline - performance.now())));
    try {
      const res = await fetch(child.url + path, { signal });
      await res.arrayBuffer();
      if (res.status === 200) return performance.now();
    } catch {
      // not listening yet
    }
    await sleep(intervalMs);
  }
  throw new Error(`${path} not 200 within ${timeoutMs} ms:\n${child.tail()}`);
}

/** Resident memory now and at its peak, in MiB, from /proc/<pid>/status. */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** SIGTERM, then waits for exit; SIGKILL if it outlives timeoutMs. */
export async function stop(child: Child, timeoutMs = 15_000): Promise<void> {
  const { proc } = child;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/** Runs fn with the URL of a new empty PostgreSQL database, dropped afterwards whatever fn did. */
export async function withPostgresDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `gh_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
    try {
      return await fn(`postgres://postgres@127.0.0.1:5432/${name}`);
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
    }
  } finally {
    await admin.end();
  }
}

/** A count or rate for a table: whole, with thousands separators; '–' when there is none. */
export const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

/** A GitHub-flavoured markdown table; it reads fine in a terminal too. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** True when this module is the script node was asked to run. */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(moduleUrl) === process.argv[1];
}

/** What a load run measured against one target, as every throughput table shows it. */
export interface Throughput {
  target: string;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
}

/** The columns after the target's name that every throughput table starts with, and their cells. */
export const THROUGHPUT_HEAD = ['req/s (mean)', 'p50 (ms)', 'p99 (ms)', 'requests'];
export const throughputCells = (r: Throughput) => [
  r.reqPerSec.toFixed(0),
  String(r.p50Ms),
  String(r.p99Ms),
  String(r.requests),
];

/**
 * Puts a benchmark's section into bench/RESULTS.md between `<!-- bench:<name> <label> -->` and
 * `<!-- /bench:<name> -->`, replacing an earlier section of the same name and label.
 */
export function recordSection(name: string, label: string, section: string) {
  const file = join(ROOT, 'bench/RESULTS.md');
  const begin = `<!-- bench:${name} ${label} -->`;
  const end = `<!-- /bench:${name} -->`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  const block = `${begin}\n${section.trim()}\n${end}\n`;
  const start = current.indexOf(begin);
  const next =
    start >= 0
      ? current.slice(0, start) + block + current.slice(current.indexOf(end, start) + end.length + 1)
      : `${current.trimEnd()}\n\n${block}`;
  writeFileSync(file, next);
}

// ---- a Gatehouse under test driven over its API, and the run's particulars (authz, gateway) ----

/**
 * A policy set that makes Cedar work: permits by action and resource name for tagged agents,
 * forbids on the network (context ip), on tags of agent and resource, delegation depth and method.
 */
export const BENCH_POLICIES = `@id("ops-call-known-integrations")
permit (principal, action == Action::"integration.call", resource is Integration)
  when { principal.tags.contains("ops") && resource has name && ["github", "slack", "bench-upstream"].contains(resource.name) };

@id("everyone-reads-integrations")
permit (principal, action == Action::"integration.read", resource is Integration);

@id("office-networks-only")
forbid (principal, action, resource)
  when { context has ip && !(context.ip.isInRange(ip("10.0.0.0/8")) || context.ip.isInRange(ip("127.0.0.0/8"))) };

@id("no-interns-on-prod")
forbid (principal, action, resource is Integration)
  when { principal.tags.contains("intern") && resource has tags && resource.tags.contains("prod") };

@id("no-deep-delegation")
forbid (principal, action, resource) when { context.delegation_depth > 1 };

@id("trusted-deletes")
forbid (principal, action == Action::"integration.call", resource)
  when { context has method && context.method == "DELETE" && principal.trust_score < 70 };
`;

export const BENCH_ADMIN = { email: 'bench@gatehouse.local', password: 'bench-password-0123456789' };

/** A JSON call to the API; throws on any status ≥ 300 with the answer, so set-up steps fail loudly. */
export async function apiCall<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  bearer?: string,
): Promise<T> {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

export interface ApiServer {
  child: Child;
  base: string;
  /** The bootstrap admin's session token. */
  admin: string;
  close(): Promise<void>;
}

/**
 * `gatehouse start` from the built dist (NODE_ENV=production, the bootstrap admin from
 * BENCH_ADMIN), ready, with the admin signed in. BENCH_NODE_FLAGS reach it (e.g. --cpu-prof).
 */
export async function startGatehouseServer(env: Record<string, string>): Promise<ApiServer> {
  const port = String(await freePort());
  const child = spawnNode([GATEHOUSE_BIN, 'start'], {
    PORT: port,
    NODE_ENV: 'production',
    GATEHOUSE_ADMIN_EMAIL: BENCH_ADMIN.email,
    GATEHOUSE_ADMIN_PASSWORD: BENCH_ADMIN.password,
    ...env,
  });
  try {
    await waitFor200(child, '/readyz');
    const { token } = await apiCall<{ token: string }>(child.url, 'POST', '/v1/auth/login', BENCH_ADMIN);
    return { child, base: child.url, admin: token, close: () => stop(child) };
  } catch (err) {
    await stop(child);
    throw new Error(`${(err as Error).message}\nserver output:\n${child.tail()}`);
  }
}

/** The env of a Gatehouse on a given PostgreSQL database and the local Redis, under a fresh key prefix. */
export const postgresRedisEnv = (databaseUrl: string): Record<string, string> => ({
  DATABASE_URL: databaseUrl,
  REDIS_URL,
  GATEHOUSE_REDIS_PREFIX: `gh-bench-${randomBytes(4).toString('hex')}:`,
  GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64url'),
});

/** A new agent with a client secret, over the API; `token()` gets a client_credentials token. */
export async function benchAgent(
  server: ApiServer,
  input: { name: string; allowed_scopes?: string[] },
): Promise<{ id: string; token(scope?: string): Promise<string> }> {
  const { base, admin } = server;
  // The longest lifetime allowed, so a token outlives any run.
  const agent = await apiCall<{ id: string }>(
    base,
    'POST',
    '/v1/agents',
    { ...input, token_ttl_seconds: 86_400 },
    admin,
  );
  const cred = await apiCall<{ client_id: string; client_secret: string }>(
    base,
    'POST',
    `/v1/agents/${agent.id}/credentials`,
    { type: 'client_secret' },
    admin,
  );
  const basicAuth = `Basic ${Buffer.from(`${encodeURIComponent(cred.client_id)}:${encodeURIComponent(cred.client_secret)}`).toString('base64')}`;
  return {
    id: agent.id,
    async token(scope?: string) {
      const res = await fetch(`${base}/oauth/token`, {
        method: 'POST',
        headers: { authorization: basicAuth, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          ...(scope ? { scope } : {}),
        }).toString(),
      });
      const body = (await res.json()) as { access_token?: string };
      if (res.status !== 200 || !body.access_token) {
        throw new Error(`token for ${input.name} answered ${res.status}: ${JSON.stringify(body)}`);
      }
      return body.access_token;
    },
  };
}

/** One HTTP request as a load generator sends it again and again. */
export interface BenchRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

export interface LoadFigures extends Throughput {
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
}

/** autocannon on one request for `seconds` (after `warmupSeconds` unmeasured, when given). */
export async function loadRequest(
  target: string,
  req: BenchRequest,
  opts: { connections: number; seconds: number; warmupSeconds?: number },
): Promise<LoadFigures> {
  const base = { ...req, connections: opts.connections };
  if (opts.warmupSeconds) await autocannon({ ...base, duration: opts.warmupSeconds });
  const r = await autocannon({ ...base, duration: opts.seconds });
  return {
    target,
    reqPerSec: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

export interface Latency {
  target: string;
  /** Fractions of a millisecond, unlike autocannon's whole ones. */
  p50Ms: number;
  p99Ms: number;
  requests: number;
  failures: number;
}

/**
 * One request after another on one keep-alive connection for `seconds`, each timed with
 * performance.now(): the latency of an unloaded server, to sub-millisecond precision.
 */
export async function sequentialLatency(
  target: string,
  req: BenchRequest,
  seconds: number,
): Promise<Latency> {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const r = httpRequest(req.url, { method: req.method, headers: req.headers, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      r.on('error', reject);
      r.end(req.body);
    });
  const times: number[] = [];
  let failures = 0;
  try {
    const deadline = performance.now() + seconds * 1000;
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const status = await once();
      const t = performance.now() - t0;
      if (status >= 200 && status < 300) times.push(t);
      else failures++;
    }
  } finally {
    agent.destroy();
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
  return { target, p50Ms: at(0.5), p99Ms: at(0.99), requests: times.length, failures };
}

/** The 1-minute load average, as the recorded sections note it. */
export const load1 = () => loadavg()[0]?.toFixed(2) ?? '?';

export function git(...args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** HEAD, and whether server/src had uncommitted edits when the run started. */
export const codeRevision = () =>
  `HEAD ${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'server/src') ? ' (server/src had uncommitted edits)' : ''}`;

export function packageVersion(pkg: string): string {
  for (const dir of [join(ROOT, 'node_modules'), join(ROOT, 'server/node_modules')]) {
    try {
      return JSON.parse(readFileSync(join(dir, pkg, 'package.json'), 'utf8')).version;
    } catch {
      // not installed there
    }
  }
  return '?';
}

export async function postgresVersion(): Promise<string> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return (await c.query<{ server_version: string }>('show server_version')).rows[0]?.server_version ?? '?';
  } finally {
    await c.end();
  }
}

export async function redisVersion(): Promise<string> {
  try {
    return (
      /redis_version:(\S+)/.exec(
        execFileSync('redis-cli', ['-u', REDIS_URL, 'info', 'server'], { encoding: 'utf8' }),
      )?.[1] ?? '?'
    );
  } catch {
    return '?';
  }
}

/** The machine as every recorded section describes it. */
export const machine = () =>
  `${availableParallelism()} CPUs (nproc; ${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}`;

/** `npm run build -w server`, retried while another engineer's edit leaves it broken for a moment. */
export async function buildServer() {
  for (let attempt = 1; ; attempt++) {
    try {
      execFileSync('npm', ['run', 'build', '--workspace', 'server'], { cwd: ROOT, stdio: 'inherit' });
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
      console.log('build failed (another edit in progress?); retrying in 60 s');
      await sleep(60_000);
    }
  }
}

/**
 * The lines a recorded section of a Gatehouse-building bench opens with: which script recorded it
 * and when, the machine and its load around the run, and the code it ran.
 */
export function recordedBy(script: string, run: { loadBefore: string; loadAfter: string; revision: string }) {
  const build =
    process.env.BENCH_BUILD === '0'
      ? 'server dist as built before the run (BENCH_BUILD=0)'
      : 'server built from the working tree just before the run';
  return `Recorded by \`npm run bench:${script}\` (bench/${script}.ts) on ${new Date().toISOString()}.

- Machine: ${machine()}; 1-minute load average ${run.loadBefore} at the start, ${run.loadAfter} at the end (the machine is shared)
- Code: ${run.revision}, ${build}${process.env.BENCH_NOTE ? `\n- Note: ${process.env.BENCH_NOTE}` : ''}`;
}
