import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { JSONWebKeySet } from 'jose';
import { createTokenVerifier } from '../sdk/src/index.js';
import {
  freePort,
  GATEHOUSE_BIN,
  REDIS_URL,
  ROOT,
  spawnNode,
  stop,
  type Throughput,
  waitFor200,
  withPostgresDatabase,
} from './lib.js';

export const SCOPE = 'bench:read';
const ADMIN = { email: 'bench@gatehouse.local', password: 'bench-password-0123456789' };

const envNumber = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
export const TOKEN_LOAD = {
  connections: envNumber('BENCH_CONNECTIONS', 50),
  warmupSeconds: envNumber('BENCH_WARMUP_SECONDS', 3),
  seconds: envNumber('BENCH_SECONDS', 10),
  /** Each target is measured once per round; the tables report medians over the rounds. */
  rounds: envNumber('BENCH_ROUNDS', 3),
};
/** The issue's targets, for this 2-core kind of machine. */
export const TARGETS = { vsOidcProvider: 2, vsCeiling: 0.6, p99Ms: 25 };

export interface LoadResult extends Throughput {
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
}

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
const FORM = 'application/x-www-form-urlencoded';
const TOKEN_BODY = new URLSearchParams({ grant_type: 'client_credentials', scope: SCOPE }).toString();

interface Request {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export async function load(target: string, req: Request, warmUp: boolean): Promise<LoadResult> {
  const opts = { ...req, method: 'POST' as const, connections: TOKEN_LOAD.connections };
  if (warmUp) await autocannon({ ...opts, duration: TOKEN_LOAD.warmupSeconds });
  const r = await autocannon({ ...opts, duration: TOKEN_LOAD.seconds });
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

/** One request as the load will send it; throws unless it answers 200 with an access token. */
async function sampleToken(req: Request): Promise<string> {
  const res = await fetch(req.url, { method: 'POST', headers: req.headers, body: req.body });
  const body = (await res.json()) as { access_token?: string };
  if (res.status !== 200 || !body.access_token) {
    throw new Error(`${req.url} answered ${res.status}: ${JSON.stringify(body)}`);
  }
  const header = JSON.parse(Buffer.from(body.access_token.split('.')[0] ?? '', 'base64url').toString());
  if (header.alg !== 'EdDSA') throw new Error(`${req.url} signed with ${header.alg}, not EdDSA`);
  return body.access_token;
}

// ---- Gatehouse -------------------------------------------------------------------------------

async function call(base: string, path: string, body: unknown, bearer?: string) {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, string>;
  if (res.status >= 300) throw new Error(`POST ${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** Signs in as the bootstrap admin and gives an agent with `scopes` a client secret, over the API. */
async function clientOf(base: string, admin: string, name: string, scopes: string[]) {
  const agent = await call(base, '/v1/agents', { name, allowed_scopes: scopes }, admin);
  const cred = await call(base, `/v1/agents/${agent.id}/credentials`, { type: 'client_secret' }, admin);
  return { clientId: cred.client_id ?? '', clientSecret: cred.client_secret ?? '' };
}

/** A server under test, up and ready, with the requests it is measured on. */
interface Server {
  targets: Target[];
  close(): Promise<void>;
}

export type TargetKind = 'gatehouse' | 'introspection' | 'oidc-provider' | 'ceiling';
export interface Target {
  name: string;
  kind: TargetKind;
  req: Request;
}

export async function startGatehouse(
  mode: string,
  env: Record<string, string>,
): Promise<Server & { base: string; token: string; pid: number }> {
  const port = String(await freePort());
  // BENCH_BIN: another build's bin/gatehouse.js, to compare two builds in one run.
  const child = spawnNode([env.BENCH_BIN ?? GATEHOUSE_BIN, 'start'], {
    PORT: port,
    // As node-oidc-provider below: production mode (here, no development-only transaction guard).
    NODE_ENV: 'production',
    GATEHOUSE_ADMIN_EMAIL: ADMIN.email,
    GATEHOUSE_ADMIN_PASSWORD: ADMIN.password,
    ...env,
  });
  try {
    await waitFor200(child, '/readyz');
    const base = child.url;
    const admin = (await call(base, '/v1/auth/login', ADMIN)).token ?? '';
    const agent = await clientOf(base, admin, 'bench-agent', [SCOPE]);
    const tokenReq: Request = {
      url: `${base}/oauth/token`,
      headers: { authorization: basic(agent.clientId, agent.clientSecret), 'content-type': FORM },
      body: TOKEN_BODY,
    };
    const token = await sampleToken(tokenReq);
    const targets: Target[] = [
      { name: `Gatehouse, ${mode}: POST /oauth/token`, kind: 'gatehouse', req: tokenReq },
      {
        name: `Gatehouse, ${mode}: POST /oauth/introspect`,
        kind: 'introspection',
        req: await introspectionRequest(base, admin, token),
      },
    ];
    return { targets, base, token, pid: child.pid, close: () => stop(child) };
  } catch (err) {
    await stop(child);
    throw new Error(`${(err as Error).message}\nserver output:\n${child.tail()}`);
  }
}

/** POST /oauth/introspect as a resource server's client would send it; checked once first. */
async function introspectionRequest(base: string, admin: string, token: string): Promise<Request> {
  const url = `${base}/oauth/introspect`;
  const rs = await clientOf(base, admin, 'bench-resource-server', ['gatehouse:introspect']);
  const req: Request = {
    url,
    headers: { authorization: basic(rs.clientId, rs.clientSecret), 'content-type': FORM },
    body: new URLSearchParams({ token }).toString(),
  };
  const res = await fetch(url, { method: 'POST', headers: req.headers, body: req.body });
  const body = (await res.json()) as { active?: boolean };
  if (res.status !== 200 || body.active !== true) {
    throw new Error(`introspection answered ${res.status} ${JSON.stringify(body)}`);
  }
  return req;
}

// ---- JWT verification in a resource server -----------------------------------------------------

export interface Verification {
  verifier: string;
  perSecond: number;
}

type Verify = (token: string) => Promise<unknown>;

/**
 * The SDK's verifier (sdk/src/agent/verifier.ts, run from source) with the key set pinned, as a
 * resource server would hold it after its first fetch. The JWKS is fetched before timing, so
 * this counts verification, not fetching.
 */
async function verifierFor(base: string): Promise<{ name: string; verify: Verify }> {
  const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
  const meta = (await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json()) as {
    issuer: string;
  };
  const verifier = createTokenVerifier({ issuer: meta.issuer, jwks });
  return { name: 'SDK createTokenVerifier, pinned JWKS', verify: (token) => verifier.verify(token) };
}

/** Verifications per second in this process, 50 in flight, warm-up then the measured window. */
async function benchVerification(base: string, token: string): Promise<Verification> {
  const { name, verify } = await verifierFor(base);
  await verify(token);
  const run = async (seconds: number) => {
    const deadline = performance.now() + seconds * 1000;
    let count = 0;
    const worker = async () => {
      while (performance.now() < deadline) {
        await verify(token);
        count++;
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: TOKEN_LOAD.connections }, worker));
    return count / ((performance.now() - t0) / 1000);
  };
  await run(TOKEN_LOAD.warmupSeconds);
  return { verifier: name, perSecond: await run(TOKEN_LOAD.seconds) };
}

// ---- the others --------------------------------------------------------------------------------

export async function startOidcProvider(): Promise<Server> {
  const port = String(await freePort());
  const client = { id: 'bench-client', secret: randomBytes(32).toString('base64url') };
  const child = spawnNode(['--import', 'tsx', join(ROOT, 'bench/oidc-provider-server.ts')], {
    PORT: port,
    NODE_ENV: 'production',
    BENCH_CLIENT_ID: client.id,
    BENCH_CLIENT_SECRET: client.secret,
    BENCH_SCOPE: SCOPE,
  });
  try {
    await waitFor200(child, '/.well-known/openid-configuration');
    const req: Request = {
      url: `${child.url}/token`,
      headers: { authorization: basic(client.id, client.secret), 'content-type': FORM },
      body: TOKEN_BODY,
    };
    await sampleToken(req);
    return {
      targets: [{ name: 'node-oidc-provider: POST /token', kind: 'oidc-provider', req }],
      close: () => stop(child),
    };
  } catch (err) {
    await stop(child);
    throw err;
  }
}

async function startCeiling(): Promise<Server> {
  const port = String(await freePort());
  const child = spawnNode(['--import', 'tsx', join(ROOT, 'bench/signing-ceiling.ts')], { PORT: port });
  try {
    await waitFor200(child, '/healthz');
    const targets: Target[] = [];
    for (const [signer, label] of [
      ['jose', 'jose SignJWT'],
      ['crypto', 'node:crypto sign'],
      ['crypto-async', 'node:crypto sign on the thread pool'],
    ] as const) {
      const req: Request = {
        url: `${child.url}/token/${signer}`,
        headers: { 'content-type': FORM },
        body: TOKEN_BODY,
      };
      await sampleToken(req);
      targets.push({ name: `ceiling: bare Fastify + ${label} (EdDSA)`, kind: 'ceiling', req });
    }
    return { targets, close: () => stop(child) };
  } catch (err) {
    await stop(child);
    throw err;
  }
}

// ---- the run -----------------------------------------------------------------------------------

export interface TokenRun {
  targets: Target[];
  /** results[r][t]: round r, targets[t]. */
  results: LoadResult[][];
  verification: Verification;
}

/**
 * Every server is started first and stays up; then the targets are loaded one after another, in
 * rounds, so that a machine that speeds up or slows down during the run (this one does, by a
 * quarter) weighs on every target alike, and ratios can be taken within a round.
 */
export async function runToken(log = (s: string) => console.log(s)): Promise<TokenRun> {
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-token-'));
  const servers: Server[] = [];
  try {
    return await withPostgresDatabase(async (url) => {
      const embedded = await startGatehouse('embedded', { GATEHOUSE_DATA_DIR: join(dir, 'data') });
      servers.push(embedded);
      servers.push(
        await startGatehouse('PostgreSQL + Redis', {
          DATABASE_URL: url,
          REDIS_URL,
          GATEHOUSE_REDIS_PREFIX: `gh-bench-${randomBytes(4).toString('hex')}:`,
          GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64url'),
        }),
      );
      servers.push(await startOidcProvider());
      servers.push(await startCeiling());
      const targets = servers.flatMap((s) => s.targets);
      const results: LoadResult[][] = [];
      for (let round = 0; round < TOKEN_LOAD.rounds; round++) {
        log(`round ${round + 1} of ${TOKEN_LOAD.rounds}`);
        const row: LoadResult[] = [];
        for (const t of targets) {
          const r = await load(t.name, t.req, round === 0);
          log(
            `  ${r.target}: ${r.reqPerSec.toFixed(0)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, non-2xx ${r.non2xx}, errors ${r.errors}`,
          );
          row.push(r);
        }
        results.push(row);
      }
      const verification = await benchVerification(embedded.base, embedded.token);
      return { targets, results, verification };
    });
  } finally {
    for (const s of servers) await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
