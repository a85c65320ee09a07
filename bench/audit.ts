// The audit log (issue 4, "Measure"): sustained audited events/s from concurrent writers with
// and without group commit, on PGlite and PostgreSQL; chain verification in events/s; token
// issuance with auditing on and off, in interleaved rounds. Prints tables and records them in
// bench/RESULTS.md.
//
//   npm run bench:audit                 full run
//   BENCH_SECONDS=2 BENCH_ROUNDS=1 ...  smoke run (printed, not recorded)
//   BENCH_BUILD=0 ...                   skip `npm run build -w server`
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../server/src/config.js';
import { createAuditGroupCommit } from '../server/src/modules/audit/group-commit.js';
import type { AuditEvent } from '../server/src/modules/audit/service.js';
import { createAuditService } from '../server/src/modules/audit/service.js';
import { verifyChain } from '../server/src/modules/audit/verify.js';
import { createDatabase, type Db } from '../server/src/platform/db/database.js';
import { migrate } from '../server/src/platform/db/migrate.js';
import { fmt, isMain, median, REDIS_URL, ROOT, recordSection, table, withPostgresDatabase } from './lib.js';
import { type LoadResult, load, startGatehouse, TOKEN_LOAD } from './token-load.js';

const SECONDS = TOKEN_LOAD.seconds;
const WRITERS = 500;
/** The targets for this 2-core kind of machine. */
const TARGETS = { eventsPerSecond: 10_000, verifyPerSecond: 100_000, tokenCost: 0.15 };
const silent = pino({ level: 'silent' });

const event = (orgId: string): AuditEvent => ({
  orgId,
  actor: { type: 'agent', id: 'agt_bench' },
  action: 'token.issued',
  target: { type: 'token', id: randomUUID() },
  meta: { ip: '127.0.0.1', userAgent: 'bench', requestId: 'req_bench' },
  details: { grant_type: 'client_credentials', client_id: 'cli_bench', scope: 'bench:read', exp: 1 },
});

interface Writing {
  store: string;
  mode: string;
  events: number;
  perSecond: number;
}

/** WRITERS loops appending to one org's chain (the worst case: one lock) for SECONDS. */
async function write(db: Db, store: string, grouped: boolean, orgId: string): Promise<Writing> {
  const audit = createAuditService({ db });
  const commits = createAuditGroupCommit({ audit });
  const append = grouped
    ? (e: AuditEvent) => commits.append(e)
    : (e: AuditEvent) => db.transaction((trx) => audit.record(trx, e));
  let events = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (performance.now() < deadline) {
        await append(event(orgId));
        events++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  console.log(
    `  ${store}, ${grouped ? 'group commit' : 'one transaction per event'}: ${fmt(events / elapsed)} events/s`,
  );
  return {
    store,
    mode: grouped ? 'group commit' : 'one transaction per event',
    events,
    perSecond: events / elapsed,
  };
}

interface Verifying {
  store: string;
  events: number;
  perSecond: number;
  ok: boolean;
}

async function verify(db: Db, store: string, orgId: string): Promise<Verifying> {
  const t0 = performance.now();
  const report = await verifyChain(db.system, { orgId });
  const elapsed = (performance.now() - t0) / 1000;
  console.log(`  ${store}, verification: ${fmt(report.verified / elapsed)} events/s`);
  return { store, events: report.verified, perSecond: report.verified / elapsed, ok: report.ok };
}

async function storeRun(store: string, db: Db) {
  await migrate(db);
  const single = `org_benchsingle${randomBytes(4).toString('hex')}`;
  const grouped = `org_benchgrouped${randomBytes(4).toString('hex')}`;
  const results = [await write(db, store, false, single), await write(db, store, true, grouped)];
  // The group-commit org holds the longer chain: that is the one verified.
  const verification = await verify(db, store, grouped);
  return { writes: results, verification };
}

async function writeAndVerify() {
  const production = { NODE_ENV: 'production', LOG_LEVEL: 'silent' };
  const embedded = createDatabase(loadConfig({ ...production, GATEHOUSE_DATA_DIR: 'memory' }), silent);
  const pglite = await storeRun('PGlite (in process)', embedded).finally(() => embedded.close());
  const postgres = await withPostgresDatabase(async (url) => {
    const db = createDatabase(
      loadConfig({
        ...production,
        DATABASE_URL: url,
        GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64url'),
      }),
      silent,
    );
    return storeRun('PostgreSQL', db).finally(() => db.close());
  });
  return [pglite, postgres];
}

/** Token issuance with auditing on and off, each store, in interleaved rounds. */
async function tokenCost(log: (s: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-audit-'));
  const servers: Awaited<ReturnType<typeof startGatehouse>>[] = [];
  try {
    return await withPostgresDatabase((urlOn) =>
      withPostgresDatabase(async (urlOff) => {
        const pg = (url: string) => ({
          DATABASE_URL: url,
          REDIS_URL,
          GATEHOUSE_REDIS_PREFIX: `gh-bench-${randomBytes(4).toString('hex')}:`,
          GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64url'),
        });
        const setups: [string, Record<string, string>][] = [
          ['embedded, auditing on', { GATEHOUSE_DATA_DIR: join(dir, 'on') }],
          [
            'embedded, auditing off',
            { GATEHOUSE_DATA_DIR: join(dir, 'off'), GATEHOUSE_AUDIT_TOKEN_ISSUANCE: 'false' },
          ],
          ['PostgreSQL + Redis, auditing on', pg(urlOn)],
          ['PostgreSQL + Redis, auditing off', { ...pg(urlOff), GATEHOUSE_AUDIT_TOKEN_ISSUANCE: 'false' }],
        ];
        for (const [mode, env] of setups) servers.push(await startGatehouse(mode, env));
        const targets = servers.map((s) => s.targets[0]).filter((t) => t !== undefined);
        const rounds: LoadResult[][] = [];
        for (let round = 0; round < TOKEN_LOAD.rounds; round++) {
          log(`token issuance, round ${round + 1} of ${TOKEN_LOAD.rounds}`);
          const row: LoadResult[] = [];
          for (const t of targets) {
            const r = await load(t.name, t.req, round === 0);
            log(`  ${r.target}: ${r.reqPerSec.toFixed(0)} req/s, p99 ${r.p99Ms} ms`);
            row.push(r);
          }
          rounds.push(row);
        }
        return { targets, rounds };
      }),
    );
  } finally {
    for (const s of servers) await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const check = (ok: boolean) => (ok ? 'pass' : 'FAIL');

async function main() {
  if (process.env.BENCH_BUILD !== '0') {
    execFileSync('npm', ['run', 'build', '--workspace', 'server'], { cwd: ROOT, stdio: 'inherit' });
  }
  const log = (s: string) => console.log(s);
  const loadBefore = loadavg()[0]?.toFixed(2);
  const stores = await writeAndVerify();
  const tokens = await tokenCost(log);
  const loadAfter = loadavg()[0]?.toFixed(2);

  const writes = table(
    ['store', 'writers', 'mode', 'events', 'events/s'],
    stores.flatMap((s) =>
      s.writes.map((w) => [w.store, String(WRITERS), w.mode, fmt(w.events), fmt(w.perSecond)]),
    ),
  );
  const verifies = table(
    ['store', 'events verified', 'events/s', 'chain ok'],
    stores.map(({ verification: v }) => [v.store, fmt(v.events), fmt(v.perSecond), String(v.ok)]),
  );
  const { targets, rounds } = tokens;
  const tokenRows = targets.map((t, i) => {
    const rs = rounds.map((r) => r[i] as LoadResult);
    return [
      t.name,
      fmt(median(rs.map((r) => r.reqPerSec))),
      String(median(rs.map((r) => r.p99Ms))),
      rs.map((r) => r.reqPerSec.toFixed(0)).join(' / '),
    ];
  });
  const tokenTable = table(['target', 'req/s (median)', 'p99 (ms)', 'req/s per round'], tokenRows);
  // Cost = 1 - on/off, taken within each round (on and off ran back to back), median over rounds.
  const cost = (on: number, off: number) =>
    median(rounds.map((r) => 1 - (r[on]?.reqPerSec ?? 0) / (r[off]?.reqPerSec ?? 1)));
  const costs = [
    ['embedded', cost(0, 1)],
    ['PostgreSQL + Redis', cost(2, 3)],
  ] as const;
  const pgWrite = stores[1]?.writes[1]?.perSecond ?? 0;
  const goals = table(
    ['goal', 'measured', 'result'],
    [
      [
        `≥ ${fmt(TARGETS.eventsPerSecond)} audited events/s on PostgreSQL (group commit)`,
        fmt(pgWrite),
        check(pgWrite >= TARGETS.eventsPerSecond),
      ],
      ...stores.map(({ verification: v }) => [
        `verification ≥ ${fmt(TARGETS.verifyPerSecond)} events/s (${v.store})`,
        fmt(v.perSecond),
        check(v.perSecond >= TARGETS.verifyPerSecond),
      ]),
      ...costs.map(([store, c]) => [
        `auditing costs token issuance ≤ ${pct(TARGETS.tokenCost)} (${store})`,
        pct(c),
        check(c <= TARGETS.tokenCost),
      ]),
    ],
  );
  console.log(`\n${writes}\n\n${verifies}\n\n${tokenTable}\n\n${goals}`);
  if (SECONDS < 10) {
    console.log('\nnot recorded in bench/RESULTS.md: shorter than 10 s runs');
    return;
  }
  recordSection(
    'audit',
    'latest',
    `## Audit log

Recorded by \`npm run bench:audit\` (bench/audit.ts) on ${new Date().toISOString()}.

- Machine: ${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}; 1-minute load average ${loadBefore} at the start, ${loadAfter} at the end
- Writes: ${WRITERS} concurrent writers in the bench process append to one org's chain (the worst case: every append takes the same chain-head lock) for ${SECONDS} s, through the audit service the server uses, NODE_ENV=production; each append resolves only once its event is committed. "One transaction per event" is \`audit.record\` in its own transaction (what a management action does); "group commit" is the token path's batching.
- Verification: \`verifyChain\` over the group-commit chain just written, read from the database in pages.
- Token issuance: four Gatehouse servers (embedded and PostgreSQL + Redis, with \`GATEHOUSE_AUDIT_TOKEN_ISSUANCE\` on and off), autocannon with ${TOKEN_LOAD.connections} connections, ${TOKEN_LOAD.rounds} interleaved rounds of ${SECONDS} s; the cost is 1 − on/off within each round, median over rounds.

${writes}

${verifies}

${tokenTable}

${goals}
`,
  );
  console.log('\nrecorded in bench/RESULTS.md');
}

if (isMain(import.meta.url)) await main();
