// Authorization (issue 5, "Measure"): `authorize` decisions/s in-process with the decision cache
// hot, off, and missing every time, on PGlite and on PostgreSQL + Redis; then POST /v1/authz/check
// over HTTP (agent_id form and token form) against spawned servers, in interleaved rounds.
// Prints tables with the targets and records them in bench/RESULTS.md.
//
//   npm run bench:authz                          full run (3 s warm-up, 3 rounds of 10 s)
//   BENCH_SECONDS=2 BENCH_ROUNDS=1 ...           smoke run (printed, not recorded)
//   BENCH_LABEL="..." / BENCH_NOTE="..."         the RESULTS.md section's name / a line about the run
//   BENCH_BUILD=0 ...                            skip `npm run build -w server`
//   BENCH_NODE_FLAGS="--cpu-prof ..."            node flags for the spawned servers
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../server/src/config.js';
import {
  type AuthzContext,
  type AuthzResource,
  createAuthorizer,
} from '../server/src/modules/authz/authorize.js';
import type { Ctx } from '../server/src/platform/context.js';
import { createRuntime, type Runtime } from '../server/src/runtime.js';
import {
  type ApiServer,
  apiCall,
  BENCH_ADMIN,
  BENCH_POLICIES,
  type BenchRequest,
  benchAgent,
  buildServer,
  codeRevision,
  fmt,
  isMain,
  type LoadFigures,
  load1,
  loadRequest,
  median,
  packageVersion,
  postgresRedisEnv,
  postgresVersion,
  recordedBy,
  recordSection,
  redisVersion,
  startGatehouseServer,
  THROUGHPUT_HEAD,
  table,
  throughputCells,
  withPostgresDatabase,
} from './lib.js';
import { TOKEN_LOAD } from './token-load.js';

const { connections, warmupSeconds, seconds, rounds } = TOKEN_LOAD;
/** The issue's targets, for this 2-core kind of machine. */
const TARGETS = { cachedPerSecond: 100_000, uncachedPerSecond: 10_000, checkReqPerSecond: 5_000 };
/** Concurrent callers of `authorize` in the bench process (it is mostly synchronous work). */
const IN_PROCESS_CALLERS = 16;
const RATE_LIMIT_MAX = '1000000';

/** The decision every variant asks for (allowed by "ops-call-known-integrations"). */
const RESOURCE: AuthzResource = { type: 'Integration', id: 'int_github', name: 'github' };
const CONTEXT: AuthzContext = { ip: '10.0.0.7', method: 'POST', path: '/repos/acme/app/issues' };
/** Denied (no permit for a resource not named): each one is audited. */
const DENIED_RESOURCE: AuthzResource = {
  type: 'Integration',
  id: 'int_prod_db',
  name: 'prod-db',
  tags: ['prod'],
};

const check = (ok: boolean) => (ok ? 'pass' : 'FAIL');
const silent = pino({ level: 'silent' });

// ---- in-process ---------------------------------------------------------------------------------

interface Variant {
  name: string;
  /** Whether a target applies to it, and which. */
  goal?: 'cached' | 'uncached';
  decide(): Promise<{ allowed: boolean }>;
  expectAllowed: boolean;
}

interface Store {
  name: string;
  rt: Runtime;
  variants: Variant[];
}

/**
 * A runtime built in this process as `gatehouse start` builds it (migrated, bootstrapped), with an
 * agent holding skills and tags, and BENCH_POLICIES saved for its org.
 */
async function openStore(name: string, env: Record<string, string>): Promise<Store> {
  const rt = createRuntime(
    loadConfig({
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      GATEHOUSE_ADMIN_EMAIL: BENCH_ADMIN.email,
      GATEHOUSE_ADMIN_PASSWORD: BENCH_ADMIN.password,
      // Long enough that no entry expires during a measured window.
      GATEHOUSE_AUTHZ_CACHE_SECONDS: '3600',
      ...env,
    }),
    silent,
    { print: () => {} },
  );
  try {
    if (!(await rt.start())) throw new Error(`${name}: the runtime did not start`);
    const owner = await rt.db.system
      .selectFrom('memberships')
      .innerJoin('orgs', 'orgs.id', 'memberships.org_id')
      .select(['memberships.org_id as orgId', 'memberships.user_id as userId'])
      .where('orgs.slug', '=', 'default')
      .where('memberships.role', '=', 'admin')
      .executeTakeFirstOrThrow();
    const ctx: Ctx = {
      principal: {
        type: 'user',
        userId: owner.userId,
        orgId: owner.orgId,
        role: 'admin',
        sessionId: 'bench',
        expiresAt: new Date(Date.now() + 86_400_000),
      },
      meta: { ip: '127.0.0.1', userAgent: 'bench', requestId: null },
    };
    const { agents, skills, policies, authorizer, auditCommits } = rt.services;
    const agent = await agents.create(ctx, { name: 'bench-agent' });
    for (const capability of ['integration_execute', 'integration_read', 'data_read'] as const) {
      await skills.grant(ctx, agent.id, { capability });
    }
    await skills.setAttributes(ctx, agent.id, { tags: ['ops', 'bench'], trust_score: 80 });
    await policies.save(ctx, BENCH_POLICIES, 'bench');

    // The same decision function with its cache off, as GATEHOUSE_AUTHZ_CACHE_SECONDS=0 builds it.
    const uncached = createAuthorizer({
      clock: rt.clock,
      store: rt.store,
      log: silent,
      agents,
      skills,
      policies,
      auditCommits,
      cacheTtlMs: 0,
    });
    const principal = {
      orgId: owner.orgId,
      agentId: agent.id,
      tokenId: 'jti_bench',
      scopes: ['bench:read'],
    };
    let n = 0;
    const variants: Variant[] = [
      {
        name: 'cache hot (same request again)',
        goal: 'cached',
        expectAllowed: true,
        decide: () => authorizer.authorize(principal, 'integration.call', RESOURCE, CONTEXT),
      },
      {
        name: 'cache off (cacheTtlMs 0)',
        goal: 'uncached',
        expectAllowed: true,
        decide: () => uncached.authorize(principal, 'integration.call', RESOURCE, CONTEXT),
      },
      {
        name: 'cache on, a new resource each time (all misses)',
        goal: 'uncached',
        expectAllowed: true,
        decide: () =>
          authorizer.authorize(
            principal,
            'integration.call',
            { ...RESOURCE, id: `int_github_${++n}` },
            CONTEXT,
          ),
      },
      {
        name: 'cache off, denied (each denial audited)',
        expectAllowed: false,
        decide: () => uncached.authorize(principal, 'integration.call', DENIED_RESOURCE, CONTEXT),
      },
    ];
    for (const v of variants) {
      const d = await v.decide();
      if (d.allowed !== v.expectAllowed) {
        throw new Error(`${name}, ${v.name}: expected allowed=${v.expectAllowed}, got ${JSON.stringify(d)}`);
      }
    }
    return { name, rt, variants };
  } catch (err) {
    await rt.close();
    throw err;
  }
}

/**
 * Decisions/s: IN_PROCESS_CALLERS loops calling `decide` until the deadline. A decision that
 * throws (say, a database it had to reach timed out) is counted apart and does not stop the run.
 */
async function rate(
  decide: () => Promise<unknown>,
  secs: number,
): Promise<{ perSecond: number; errors: number; firstError?: string }> {
  let count = 0;
  let errors = 0;
  let firstError: string | undefined;
  const deadline = performance.now() + secs * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: IN_PROCESS_CALLERS }, async () => {
      while (performance.now() < deadline) {
        // 64 at a time between clock reads: reading the clock costs about what a cache hit does.
        for (let i = 0; i < 64; i++) {
          try {
            await decide();
            count++;
          } catch (err) {
            errors++;
            firstError ??= (err as Error).message;
          }
        }
      }
    }),
  );
  return {
    perSecond: count / ((performance.now() - t0) / 1000),
    errors,
    ...(firstError ? { firstError } : {}),
  };
}

interface InProcessRow {
  store: string;
  variant: Variant;
  perRound: number[];
  errors: number;
}

async function inProcess(log: (s: string) => void): Promise<InProcessRow[]> {
  return withPostgresDatabase(async (url) => {
    const stores: Store[] = [];
    try {
      stores.push(await openStore('PGlite (in process)', { GATEHOUSE_DATA_DIR: 'memory' }));
      stores.push(await openStore('PostgreSQL + Redis', postgresRedisEnv(url)));
      const rows: InProcessRow[] = stores.flatMap((s) =>
        s.variants.map((variant) => ({ store: s.name, variant, perRound: [], errors: 0 })),
      );
      for (let round = 0; round < rounds; round++) {
        log(`in-process decisions, round ${round + 1} of ${rounds}`);
        for (const row of rows) {
          if (round === 0) await rate(row.variant.decide, warmupSeconds);
          const r = await rate(row.variant.decide, seconds);
          row.perRound.push(r.perSecond);
          row.errors += r.errors;
          log(
            `  ${row.store}, ${row.variant.name}: ${fmt(r.perSecond)} decisions/s${r.errors ? `, ${r.errors} failed (${r.firstError})` : ''}`,
          );
        }
      }
      return rows;
    } finally {
      for (const s of stores) await s.rt.close();
    }
  });
}

// ---- over HTTP ----------------------------------------------------------------------------------

interface HttpTarget {
  name: string;
  req: BenchRequest;
}

/**
 * A checker agent (a gateway's service account, `gatehouse:authz.check`) asking about a subject
 * agent that holds the skill, tags and BENCH_POLICIES, by agent_id and by the subject's token.
 */
async function checkTargets(mode: string, server: ApiServer): Promise<HttpTarget[]> {
  const { base, admin } = server;
  await apiCall(base, 'PUT', '/v1/authz/policies', { text: BENCH_POLICIES, note: 'bench' }, admin);
  const subject = await benchAgent(server, { name: 'bench-subject', allowed_scopes: ['bench:read'] });
  await apiCall(
    base,
    'POST',
    `/v1/agents/${subject.id}/skills`,
    { capability: 'integration_execute' },
    admin,
  );
  await apiCall(
    base,
    'PUT',
    `/v1/agents/${subject.id}/attributes`,
    { tags: ['ops'], trust_score: 80 },
    admin,
  );
  const checker = await benchAgent(server, {
    name: 'bench-checker',
    allowed_scopes: ['gatehouse:authz.check'],
  });
  const checkerToken = await checker.token('gatehouse:authz.check');
  const subjectToken = await subject.token('bench:read');
  const question = { action: 'integration.call', resource: RESOURCE, context: CONTEXT };
  const request = (body: unknown): BenchRequest => ({
    url: `${base}/v1/authz/check`,
    method: 'POST',
    headers: { authorization: `Bearer ${checkerToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const targets = [
    { name: `${mode}: check by agent_id`, req: request({ agent_id: subject.id, ...question }) },
    { name: `${mode}: check by token`, req: request({ token: subjectToken, ...question }) },
  ];
  for (const t of targets) {
    const d = await apiCall<{ allowed: boolean }>(
      base,
      'POST',
      '/v1/authz/check',
      JSON.parse(t.req.body ?? ''),
      checkerToken,
    );
    if (!d.allowed) throw new Error(`${t.name}: not allowed: ${JSON.stringify(d)}`);
  }
  return targets;
}

async function overHttp(log: (s: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-authz-'));
  const servers: ApiServer[] = [];
  try {
    return await withPostgresDatabase(async (url) => {
      // Agent tokens count against the per-agent limit (600 rpm by default): raised to its maximum.
      const common = { GATEHOUSE_RATE_LIMIT_AGENT_RPM: RATE_LIMIT_MAX };
      const embedded = await startGatehouseServer({ ...common, GATEHOUSE_DATA_DIR: join(dir, 'data') });
      servers.push(embedded);
      const postgres = await startGatehouseServer({ ...common, ...postgresRedisEnv(url) });
      servers.push(postgres);
      const targets = [
        ...(await checkTargets('embedded', embedded)),
        ...(await checkTargets('PostgreSQL + Redis', postgres)),
      ];
      const results: LoadFigures[][] = [];
      for (let round = 0; round < rounds; round++) {
        log(`POST /v1/authz/check, round ${round + 1} of ${rounds}`);
        const row: LoadFigures[] = [];
        for (const t of targets) {
          const r = await loadRequest(t.name, t.req, {
            connections,
            seconds,
            ...(round === 0 ? { warmupSeconds } : {}),
          });
          log(
            `  ${r.target}: ${r.reqPerSec.toFixed(0)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, non-2xx ${r.non2xx}, errors ${r.errors}`,
          );
          row.push(r);
        }
        results.push(row);
      }
      return { targets, results };
    });
  } finally {
    for (const s of servers) await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- tables and recording -----------------------------------------------------------------------

function tables(decisions: InProcessRow[], http: Awaited<ReturnType<typeof overHttp>>) {
  const inProcessTable = table(
    ['store', 'decision', 'decisions/s (median)', 'per round', 'failed'],
    decisions.map((r) => [
      r.store,
      r.variant.name,
      fmt(median(r.perRound)),
      r.perRound.map((x) => fmt(x)).join(' / '),
      String(r.errors),
    ]),
  );
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const summary = http.targets.map((t, i) => {
    const rs = http.results.map((round) => round[i] as LoadFigures);
    return {
      target: t.name,
      reqPerSec: median(rs.map((r) => r.reqPerSec)),
      p50Ms: median(rs.map((r) => r.p50Ms)),
      p99Ms: median(rs.map((r) => r.p99Ms)),
      requests: sum(rs.map((r) => r.requests)),
      failures: sum(rs.map((r) => r.non2xx + r.errors)),
      perRound: rs.map((r) => r.reqPerSec.toFixed(0)).join(' / '),
    };
  });
  const httpTable = table(
    ['POST /v1/authz/check', ...THROUGHPUT_HEAD, 'non-2xx + errors', 'req/s per round'],
    summary.map((r) => [r.target, ...throughputCells(r), String(r.failures), r.perRound]),
  );
  const goals = table(
    ['target', 'goal', 'measured', 'result'],
    [
      ...decisions.flatMap((r) => {
        if (!r.variant.goal) return [];
        const want = r.variant.goal === 'cached' ? TARGETS.cachedPerSecond : TARGETS.uncachedPerSecond;
        const got = median(r.perRound);
        return [
          [`${r.store}, ${r.variant.name}`, `≥ ${fmt(want)} decisions/s`, fmt(got), check(got >= want)],
        ];
      }),
      ...[...new Set(decisions.map((r) => r.store))].map((store) => {
        const failed = sum(decisions.filter((r) => r.store === store).map((r) => r.errors));
        return [`${store}, every variant`, 'no decision fails', String(failed), check(failed === 0)];
      }),
      ...summary.flatMap((s) => [
        [
          s.target,
          `≥ ${fmt(TARGETS.checkReqPerSecond)} req/s`,
          fmt(s.reqPerSec),
          check(s.reqPerSec >= TARGETS.checkReqPerSecond),
        ],
        [s.target, 'no non-2xx, no errors', String(s.failures), check(s.failures === 0)],
      ]),
    ],
  );
  return { inProcessTable, httpTable, goals };
}

async function main() {
  if (process.env.BENCH_BUILD !== '0') await buildServer();
  const label = process.env.BENCH_LABEL ?? 'latest';
  const log = (s: string) => console.log(s);
  const loadBefore = load1();
  const revision = codeRevision();
  console.log(`authorization: ${warmupSeconds} s warm-up, ${rounds} rounds of ${seconds} s`);
  const decisions = await inProcess(log);
  const http = await overHttp(log);
  const loadAfter = load1();
  const { inProcessTable, httpTable, goals } = tables(decisions, http);
  console.log(`\n${inProcessTable}\n\n${httpTable}\n\n${goals}`);
  if (seconds < 10) {
    console.log('\nnot recorded in bench/RESULTS.md: shorter than 10 s runs');
    return;
  }
  const section = `## Authorization: ${label}

${recordedBy('authz', { loadBefore, loadAfter, revision })}
- Versions: PostgreSQL ${await postgresVersion()}, Redis ${await redisVersion()}, @cedar-policy/cedar-wasm ${packageVersion('@cedar-policy/cedar-wasm')}, fastify ${packageVersion('fastify')}, autocannon ${packageVersion('autocannon')}
- Policies: six (two permits, four forbids) with conditions on the agent's tags and trust score, the resource's name and tags, the context's ip (\`isInRange\`), method and delegation depth (\`BENCH_POLICIES\` in bench/lib.ts); in process the agent holds three skills and two tags (over HTTP, one skill and one tag). Every measured decision is allowed by \`ops-call-known-integrations\` unless it says denied.
- In process: the runtime built as \`gatehouse start\` builds it (\`createRuntime\`, NODE_ENV=production, migrated and bootstrapped; PGlite in memory, or a fresh PostgreSQL database and Redis key prefix), ${IN_PROCESS_CALLERS} concurrent callers of \`authorize\` for ${seconds} s per figure, ${rounds} interleaved rounds (a ${warmupSeconds} s warm-up before the first). "Cache off" is \`createAuthorizer\` with \`cacheTtlMs: 0\` (what \`GATEHOUSE_AUTHZ_CACHE_SECONDS=0\` builds): each decision reads the agent, its skills and attributes and the policy set from their node-coherent caches (the database only on a change) and runs Cedar. "A new resource each time" is the cached authorizer missing on every call (key, evaluation, insert, eviction at 50,000 entries). Denials are each appended to the audit log (group commit) before the call returns. A decision that throws is counted as failed, not timed (the caches refill from the database when an entry expires: every 60 s, and on PostgreSQL a refill can wait for a pooled connection).
- Over HTTP: two \`gatehouse start\` servers (embedded with a fresh data dir; PostgreSQL + Redis), NODE_ENV=production, default LOG_LEVEL=info (one line per request) to /dev/null, the decision cache at its default (5 s), and \`GATEHOUSE_RATE_LIMIT_AGENT_RPM=${RATE_LIMIT_MAX}\` (its maximum: the checker's agent token counts against the per-agent limit, 600 rpm by default). autocannon in the bench process on 127.0.0.1, keep-alive, ${connections} connections, ${rounds} interleaved rounds of ${seconds} s. Each request is the checker agent's token (\`gatehouse:authz.check\`) asking the same question, so decisions come from the cache after the first; the token form also verifies the subject's token (signature, expiry, revocation, live agent and credential) on every request.

${inProcessTable}

${httpTable}

${goals}
`;
  recordSection('authz', label, section);
  console.log(`\nrecorded in bench/RESULTS.md under "${label}"`);
}

if (isMain(import.meta.url)) await main();
