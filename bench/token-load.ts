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

async function load(target: string, req: Request): Promise<LoadResult> {
  const opts = { ...req, method: 'POST' as const, connections: TOKEN_LOAD.connections };
  await autocannon({ ...opts, duration: TOKEN_LOAD.warmupSeconds });
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

interface GatehouseResults {
  token: LoadResult;
  introspection: LoadResult | string;
  verification?: Verification;
}

async function benchGatehouse(
  mode: string,
  env: Record<string, string>,
  verify: boolean,
): Promise<GatehouseResults> {
  const port = String(await freePort());
  const child = spawnNode([GATEHOUSE_BIN, 'start'], {
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
    const result: GatehouseResults = {
      token: await load(`Gatehouse, ${mode}: POST /oauth/token`, tokenReq),
      introspection: '',
    };
    result.introspection = await benchIntrospection(base, admin, token, mode);
    if (verify) result.verification = await benchVerification(base, token);
    return result;
  } catch (err) {
    throw new Error(`${(err as Error).message}\nserver output:\n${child.tail()}`);
  } finally {
    await stop(child);
  }
}

/** POST /oauth/introspect as a resource server's client; a string says why it was not measured. */
async function benchIntrospection(base: string, admin: string, token: string, mode: string) {
  const url = `${base}/oauth/introspect`;
  const probe = await fetch(url, { method: 'POST', headers: { 'content-type': FORM }, body: 'token=x' });
  await probe.arrayBuffer();
  if (probe.status === 404) return 'skipped: POST /oauth/introspect does not exist at this revision';
  const rs = await clientOf(base, admin, 'bench-resource-server', ['gatehouse:introspect']);
  const req: Request = {
    url,
    headers: { authorization: basic(rs.clientId, rs.clientSecret), 'content-type': FORM },
    body: new URLSearchParams({ token }).toString(),
  };
  const res = await fetch(url, { method: 'POST', headers: req.headers, body: req.body });
  const body = (await res.json()) as { active?: boolean };
  if (res.status !== 200 || body.active !== true) {
    return `skipped: introspection answered ${res.status} ${JSON.stringify(body)}`;
  }
  return load(`Gatehouse, ${mode}: POST /oauth/introspect`, req);
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

async function benchOidcProvider(): Promise<LoadResult> {
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
    return await load('node-oidc-provider: POST /token', req);
  } finally {
    await stop(child);
  }
}

async function benchCeiling(): Promise<LoadResult[]> {
  const port = String(await freePort());
  const child = spawnNode(['--import', 'tsx', join(ROOT, 'bench/signing-ceiling.ts')], { PORT: port });
  try {
    await waitFor200(child, '/healthz');
    const results: LoadResult[] = [];
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
      results.push(await load(`ceiling: bare Fastify + ${label} (EdDSA)`, req));
    }
    return results;
  } finally {
    await stop(child);
  }
}

// ---- the run -----------------------------------------------------------------------------------

export interface TokenRun {
  embedded: GatehouseResults;
  postgres: GatehouseResults;
  oidcProvider: LoadResult;
  ceiling: LoadResult[];
}

export async function runToken(log = (s: string) => console.log(s)): Promise<TokenRun> {
  const say = (r: LoadResult | string) =>
    log(
      typeof r === 'string'
        ? `  ${r}`
        : `  ${r.target}: ${r.reqPerSec.toFixed(0)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, non-2xx ${r.non2xx}, errors ${r.errors}`,
    );
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-token-'));
  let embedded: GatehouseResults;
  try {
    embedded = await benchGatehouse('embedded', { GATEHOUSE_DATA_DIR: join(dir, 'data') }, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  say(embedded.token);
  say(embedded.introspection);
  const postgres = await withPostgresDatabase((url) =>
    benchGatehouse(
      'PostgreSQL + Redis',
      {
        DATABASE_URL: url,
        REDIS_URL,
        GATEHOUSE_REDIS_PREFIX: `gh-bench-${randomBytes(4).toString('hex')}:`,
        GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64url'),
      },
      false,
    ),
  );
  say(postgres.token);
  say(postgres.introspection);
  const oidcProvider = await benchOidcProvider();
  say(oidcProvider);
  const ceiling = await benchCeiling();
  ceiling.forEach(say);
  return { embedded, postgres, oidcProvider, ceiling };
}
