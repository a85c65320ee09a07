// The gateway (issue 5, "Measure"): a local upstream (a bare node:http server in its own process)
// called directly and through Gatehouse's `/v1/gateway/{integration}/...` with an agent token, on
// the embedded default and on PostgreSQL + Redis, in interleaved rounds: requests/s and latency
// under load (autocannon), and latency unloaded (one request at a time, sub-millisecond), with
// what the gateway adds. Prints tables with the targets and records them in bench/RESULTS.md.
//
//   npm run bench:gateway                        full run (3 s warm-up, 3 rounds of 10 s)
//   BENCH_SECONDS=2 BENCH_ROUNDS=1 ...           smoke run (printed, not recorded)
//   BENCH_LABEL="..." / BENCH_NOTE="..."         the RESULTS.md section's name / a line about the run
//   BENCH_BUILD=0 ...                            skip `npm run build -w server`
//   BENCH_NODE_FLAGS="--cpu-prof ..."            node flags for the Gatehouse servers (not the upstream)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ApiServer,
  apiCall,
  BENCH_POLICIES,
  type BenchRequest,
  benchAgent,
  buildServer,
  type Child,
  codeRevision,
  fmt,
  freePort,
  isMain,
  type Latency,
  type LoadFigures,
  load1,
  loadRequest,
  median,
  packageVersion,
  postgresRedisEnv,
  postgresVersion,
  ROOT,
  recordedBy,
  recordSection,
  redisVersion,
  sequentialLatency,
  startGatehouseServer,
  stop,
  THROUGHPUT_HEAD,
  table,
  throughputCells,
  waitFor200,
  withPostgresDatabase,
} from './lib.js';
import { TOKEN_LOAD } from './token-load.js';

const { connections, warmupSeconds, seconds, rounds } = TOKEN_LOAD;
/** One request at a time, per target and round. */
const LATENCY_SECONDS = Math.max(1, Math.round(seconds / 2));
/** The targets, for this 2-core kind of machine. */
const TARGETS = { addedP50Ms: 2, vsDirect: 0.5 };
const RATE_LIMIT_MAX = '1000000';
const INTEGRATION = 'bench-upstream';
const PATH = '/items/42';
const BARE_PROXY = 'a bare Node.js proxy (reference)';

/** The upstream: node:http answering every request with the same small JSON body, nothing else. */
const UPSTREAM_SOURCE = `
const http = require('node:http');
const body = Buffer.from(JSON.stringify({ ok: true, id: 42, name: 'widget', tags: ['a', 'b'], price: 12.5 }));
http
  .createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
  })
  .listen(Number(process.env.PORT), '127.0.0.1');
`;

/**
 * The reference: the least any Node.js proxy does, node:http in front of an undici pool (the
 * gateway's own client) that forwards the path and answer as they are. No authentication,
 * policy, secret, limit or audit: the ceiling for a proxy on this runtime and machine.
 */
const BARE_PROXY_SOURCE = `
const http = require('node:http');
const { Pool } = require('undici');
const pool = new Pool(process.env.UPSTREAM, { connections: 64 });
http
  .createServer(async (req, res) => {
    try {
      const up = await pool.request({ path: req.url, method: req.method, headers: { accept: 'application/json' } });
      res.writeHead(up.statusCode, { 'content-type': up.headers['content-type'] });
      for await (const chunk of up.body) res.write(chunk);
      res.end();
    } catch (err) {
      res.writeHead(502).end(String(err));
    }
  })
  .listen(Number(process.env.PORT), '127.0.0.1');
`;

/** Not through spawnNode: BENCH_NODE_FLAGS (a profiler) are for Gatehouse, not the upstream. */
async function startUpstream(source = UPSTREAM_SOURCE, env: Record<string, string> = {}): Promise<Child> {
  const port = String(await freePort());
  const proc = spawn(process.execPath, ['-e', source], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: port },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (proc.pid === undefined) throw new Error('could not spawn the upstream');
  let tail = '';
  proc.stderr?.on('data', (c: Buffer) => {
    tail = (tail + c.toString('utf8')).slice(-4096);
  });
  const child: Child = { proc, pid: proc.pid, url: `http://127.0.0.1:${port}`, tail: () => tail };
  try {
    await waitFor200(child, '/api/ready', 10_000);
    return child;
  } catch (err) {
    await stop(child);
    throw err;
  }
}

/**
 * A Gatehouse whose org allows egress to 127.0.0.1, holds an integration for the upstream (an
 * API key injected as a header) under BENCH_POLICIES, and an agent that may call it: granted,
 * with the integration_execute skill and the tag the policies ask for. Checked once.
 */
async function gatewayTarget(mode: string, server: ApiServer, upstream: string) {
  const { base, admin } = server;
  await apiCall(base, 'PUT', '/v1/egress', { hosts: ['127.0.0.1'], allow_private: ['127.0.0.1'] }, admin);
  await apiCall(base, 'PUT', '/v1/authz/policies', { text: BENCH_POLICIES, note: 'bench' }, admin);
  const integration = await apiCall<{ id: string }>(
    base,
    'POST',
    '/v1/integrations',
    {
      name: INTEGRATION,
      base_url: `${upstream}/api`,
      auth: {
        type: 'api_key',
        in: 'header',
        name: 'x-api-key',
        value: `sk_${randomBytes(24).toString('hex')}`,
      },
    },
    admin,
  );
  const agent = await benchAgent(server, { name: 'bench-caller', allowed_scopes: ['bench:read'] });
  await apiCall(base, 'PUT', `/v1/integrations/${integration.id}/grants/${agent.id}`, undefined, admin);
  await apiCall(base, 'POST', `/v1/agents/${agent.id}/skills`, { capability: 'integration_execute' }, admin);
  await apiCall(base, 'PUT', `/v1/agents/${agent.id}/attributes`, { tags: ['ops'], trust_score: 80 }, admin);
  const token = await agent.token('bench:read');
  const req: BenchRequest = {
    url: `${base}/v1/gateway/${INTEGRATION}${PATH}`,
    method: 'GET',
    headers: { authorization: `Bearer ${token}` },
  };
  await sample(req);
  return { name: `through the gateway, ${mode}`, req };
}

/** One request as the load sends it; throws unless it answers 200 with the upstream's body. */
async function sample(req: BenchRequest) {
  const res = await fetch(req.url, { method: req.method, headers: req.headers });
  const text = await res.text();
  if (res.status !== 200 || !text.includes('"widget"')) {
    throw new Error(`${req.url} answered ${res.status}: ${text}`);
  }
}

interface Target {
  name: string;
  req: BenchRequest;
}

interface GatewayRun {
  targets: Target[];
  /** [round][target] */
  loads: LoadFigures[][];
  latencies: Latency[][];
}

async function run(log: (s: string) => void): Promise<GatewayRun> {
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-gateway-'));
  const children: Child[] = [];
  const servers: ApiServer[] = [];
  try {
    return await withPostgresDatabase(async (url) => {
      const upstream = await startUpstream();
      children.push(upstream);
      // Agent tokens count against the per-agent limit (600 rpm by default): raised to its maximum.
      const common = { GATEHOUSE_RATE_LIMIT_AGENT_RPM: RATE_LIMIT_MAX };
      const embedded = await startGatehouseServer({ ...common, GATEHOUSE_DATA_DIR: join(dir, 'data') });
      servers.push(embedded);
      const postgres = await startGatehouseServer({ ...common, ...postgresRedisEnv(url) });
      servers.push(postgres);
      const direct: Target = {
        name: 'direct to the upstream',
        req: { url: `${upstream.url}/api${PATH}`, method: 'GET', headers: {} },
      };
      await sample(direct.req);
      const proxy = await startUpstream(BARE_PROXY_SOURCE, { UPSTREAM: upstream.url });
      children.push(proxy);
      const bare: Target = {
        name: BARE_PROXY,
        req: { url: `${proxy.url}/api${PATH}`, method: 'GET', headers: {} },
      };
      await sample(bare.req);
      const targets = [
        direct,
        bare,
        await gatewayTarget('embedded', embedded, upstream.url),
        await gatewayTarget('PostgreSQL + Redis', postgres, upstream.url),
      ];
      const loads: LoadFigures[][] = [];
      const latencies: Latency[][] = [];
      for (let round = 0; round < rounds; round++) {
        log(`round ${round + 1} of ${rounds}`);
        const loadRow: LoadFigures[] = [];
        const latencyRow: Latency[] = [];
        for (const t of targets) {
          const r = await loadRequest(t.name, t.req, {
            connections,
            seconds,
            ...(round === 0 ? { warmupSeconds } : {}),
          });
          log(
            `  ${r.target}, ${connections} connections: ${r.reqPerSec.toFixed(0)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, non-2xx ${r.non2xx}, errors ${r.errors}`,
          );
          loadRow.push(r);
          const l = await sequentialLatency(t.name, t.req, LATENCY_SECONDS);
          log(
            `  ${l.target}, one at a time: p50 ${ms(l.p50Ms)} ms, p99 ${ms(l.p99Ms)} ms, ${l.requests} requests, ${l.failures} failures`,
          );
          latencyRow.push(l);
        }
        loads.push(loadRow);
        latencies.push(latencyRow);
      }
      return { targets, loads, latencies };
    });
  } finally {
    for (const s of servers) await s.close();
    for (const c of children) await stop(c);
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- tables and recording -----------------------------------------------------------------------

const ms = (x: number) => x.toFixed(2);
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const check = (ok: boolean) => (ok ? 'pass' : 'FAIL');
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Per target, medians over the rounds; ratios and differences to direct are taken within a round. */
function tables({ targets, loads, latencies }: GatewayRun) {
  const within = (f: (round: number) => number) => median(loads.map((_, r) => f(r)));
  const load = (r: number, i: number) => loads[r]?.[i] as LoadFigures;
  const lat = (r: number, i: number) => latencies[r]?.[i] as Latency;
  const summary = targets.map((t, i) => {
    const ls = loads.map((round) => round[i] as LoadFigures);
    const us = latencies.map((round) => round[i] as Latency);
    return {
      target: t.name,
      reqPerSec: median(ls.map((r) => r.reqPerSec)),
      p50Ms: median(ls.map((r) => r.p50Ms)),
      p99Ms: median(ls.map((r) => r.p99Ms)),
      requests: sum(ls.map((r) => r.requests)),
      failures: sum(ls.map((r) => r.non2xx + r.errors)) + sum(us.map((u) => u.failures)),
      perRound: ls.map((r) => r.reqPerSec.toFixed(0)).join(' / '),
      vsDirect: within((r) => load(r, i).reqPerSec / load(r, 0).reqPerSec),
      addedLoadedP50: within((r) => load(r, i).p50Ms - load(r, 0).p50Ms),
      addedLoadedP99: within((r) => load(r, i).p99Ms - load(r, 0).p99Ms),
      unloadedP50: median(us.map((u) => u.p50Ms)),
      unloadedP99: median(us.map((u) => u.p99Ms)),
      unloadedRequests: sum(us.map((u) => u.requests)),
      addedP50: within((r) => lat(r, i).p50Ms - lat(r, 0).p50Ms),
      addedP99: within((r) => lat(r, i).p99Ms - lat(r, 0).p99Ms),
    };
  });
  const throughput = table(
    [
      `${connections} connections`,
      ...THROUGHPUT_HEAD,
      'non-2xx + errors',
      'req/s per round',
      'vs direct',
      'added p50 / p99 (ms)',
    ],
    summary.map((s, i) => [
      s.target,
      ...throughputCells(s),
      String(s.failures),
      s.perRound,
      pct(s.vsDirect),
      i === 0 ? '' : `${s.addedLoadedP50} / ${s.addedLoadedP99}`,
    ]),
  );
  const latency = table(
    ['one request at a time', 'p50 (ms)', 'p99 (ms)', 'requests', 'added p50 (ms)', 'added p99 (ms)'],
    summary.map((s, i) => [
      s.target,
      ms(s.unloadedP50),
      ms(s.unloadedP99),
      String(s.unloadedRequests),
      i === 0 ? '' : ms(s.addedP50),
      i === 0 ? '' : ms(s.addedP99),
    ]),
  );
  const goals = table(
    ['target', 'goal', 'measured', 'result'],
    summary.slice(2).flatMap((s) => [
      [
        s.target,
        `adds ≤ ${TARGETS.addedP50Ms} ms at p50 (one at a time)`,
        `${ms(s.addedP50)} ms`,
        check(s.addedP50 <= TARGETS.addedP50Ms),
      ],
      [
        s.target,
        `≥ ${pct(TARGETS.vsDirect)} of direct throughput`,
        `${pct(s.vsDirect)} (${fmt(s.reqPerSec)} of ${fmt(summary[0]?.reqPerSec ?? 0)} req/s)`,
        check(s.vsDirect >= TARGETS.vsDirect),
      ],
      [s.target, 'no non-2xx, no errors', String(s.failures), check(s.failures === 0)],
      [
        s.target,
        "for reference: of the bare proxy's throughput",
        pct(s.reqPerSec / (summary[1]?.reqPerSec ?? 1)),
        '',
      ],
    ]),
  );
  return { throughput, latency, goals };
}

async function main() {
  if (process.env.BENCH_BUILD !== '0') await buildServer();
  const label = process.env.BENCH_LABEL ?? 'latest';
  const loadBefore = load1();
  const revision = codeRevision();
  console.log(
    `gateway: ${connections} connections, ${warmupSeconds} s warm-up, ${rounds} rounds of ${seconds} s (+ ${LATENCY_SECONDS} s one at a time)`,
  );
  const result = await run((s) => console.log(s));
  const loadAfter = load1();
  const { throughput, latency, goals } = tables(result);
  console.log(`\n${throughput}\n\n${latency}\n\n${goals}`);
  if (seconds < 10) {
    console.log('\nnot recorded in bench/RESULTS.md: shorter than 10 s runs');
    return;
  }
  const section = `## Gateway: ${label}

${recordedBy('gateway', { loadBefore, loadAfter, revision })}
- Versions: PostgreSQL ${await postgresVersion()}, Redis ${await redisVersion()}, fastify ${packageVersion('fastify')}, undici ${packageVersion('undici')}, autocannon ${packageVersion('autocannon')}
- Upstream: a bare node:http server in its own process on 127.0.0.1 answering \`GET /api${PATH}\` with \`{ok, id, name, tags, price}\` as JSON (about 70 bytes). "Direct" calls it as is. "${BARE_PROXY}" is node:http in front of an undici pool in its own process, forwarding path and answer and nothing else (no authentication, policy, secret, limit or audit): the most any Node.js proxy could reach here, against which the gateway's own cost can be read; the 50% target is judged against direct, as the issue sets it. The gateway targets call \`GET /v1/gateway/${INTEGRATION}${PATH}\` with an agent's token on two \`gatehouse start\` servers (embedded with a fresh data dir; a fresh PostgreSQL database + Redis key prefix), NODE_ENV=production, default LOG_LEVEL=info (one line per request) to /dev/null. Each gateway call goes the whole way: token verification, the per-agent rate limit (\`GATEHOUSE_RATE_LIMIT_AGENT_RPM=${RATE_LIMIT_MAX}\`, its maximum: 600 rpm by default would refuse the load), the grant, the \`integration.call\` decision under the six policies of \`BENCH_POLICIES\` in bench/lib.ts (cached per token for 5 s, the default), the credential injected as a header, the egress check (127.0.0.1 allowed), the upstream call on a kept-alive connection, the answer streamed back through the redaction filter, and a \`gateway.called\` audit record.
- Load: autocannon in the bench process, keep-alive, ${connections} connections, ${rounds} interleaved rounds of ${seconds} s (a ${warmupSeconds} s warm-up before each target's first); whole milliseconds. Then, in the same round, one request at a time on one kept-alive connection for ${LATENCY_SECONDS} s, timed to fractions of a millisecond: the latency the gateway adds without queueing, which the p50 target is judged on (under load, p50 mostly measures the queue: connections ÷ throughput). Figures are medians over the rounds; ratios and differences to direct are taken within each round, then the median.

${throughput}

${latency}

${goals}
`;
  recordSection('gateway', label, section);
  console.log(`\nrecorded in bench/RESULTS.md under "${label}"`);
}

if (isMain(import.meta.url)) await main();
