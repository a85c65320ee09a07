// GET /healthz throughput: Gatehouse (embedded, warm) versus a bare Fastify 5 app, one at a time,
// each in its own process; autocannon runs in this process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import {
  type Child,
  freePort,
  GATEHOUSE_BIN,
  isMain,
  ROOT,
  spawnNode,
  stop,
  THROUGHPUT_HEAD,
  type Throughput,
  table,
  throughputCells,
  waitFor200,
} from './lib.js';

export interface LoadSettings {
  connections: number;
  warmupSeconds: number;
  seconds: number;
}
export const DEFAULT_LOAD: LoadSettings = { connections: 10, warmupSeconds: 2, seconds: 10 };

export interface HealthzResult extends Throughput {
  /** Non-2xx answers plus connection errors and timeouts; should be 0. */
  failures: number;
}

interface Target {
  name: string;
  start(port: string): Promise<{ child: Child; cleanup(): void }>;
}

/** Gatehouse as `npm start` runs it (default LOG_LEVEL=info), on a fresh embedded data dir. */
function gatehouse(logLevel: 'info'): Target {
  return {
    name: `Gatehouse, embedded, LOG_LEVEL=${logLevel}`,
    async start(port) {
      const dir = mkdtempSync(join(tmpdir(), 'gh-bench-'));
      const child = spawnNode([GATEHOUSE_BIN, 'start'], {
        PORT: port,
        GATEHOUSE_DATA_DIR: join(dir, 'data'),
        LOG_LEVEL: logLevel,
      });
      await waitFor200(child, '/readyz');
      return { child, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  };
}

const bareFastify: Target = {
  name: 'bare Fastify 5 (no plugins, no logger)',
  async start(port) {
    const child = spawnNode(['--import', 'tsx', join(ROOT, 'bench/bare-fastify.ts')], { PORT: port });
    await waitFor200(child, '/healthz');
    return { child, cleanup: () => {} };
  },
};

// A third Gatehouse run (say at LOG_LEVEL=warn) measured slower than the second whichever level
// went last, an order effect, not a logging cost; so one Gatehouse target, at the default level.
export const HEALTHZ_TARGETS: Target[] = [bareFastify, gatehouse('info')];

async function measure(target: Target, load: LoadSettings): Promise<HealthzResult> {
  const port = String(await freePort());
  const { child, cleanup } = await target.start(port);
  try {
    const url = `${child.url}/healthz`;
    await autocannon({ url, connections: load.connections, duration: load.warmupSeconds });
    const r = await autocannon({ url, connections: load.connections, duration: load.seconds });
    return {
      target: target.name,
      reqPerSec: r.requests.average,
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      requests: r.requests.total,
      failures: r.non2xx + r.errors + r.timeouts,
    };
  } finally {
    await stop(child);
    cleanup();
  }
}

export async function runHealthz(
  load: LoadSettings = DEFAULT_LOAD,
  log = (s: string) => console.log(s),
): Promise<HealthzResult[]> {
  const results: HealthzResult[] = [];
  for (const target of HEALTHZ_TARGETS) {
    const r = await measure(target, load);
    log(`  ${r.target}: ${r.reqPerSec.toFixed(0)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`);
    results.push(r);
  }
  return results;
}

export function healthzTable(results: HealthzResult[]): string {
  const base = results[0]?.reqPerSec ?? NaN;
  return table(
    ['server', ...THROUGHPUT_HEAD, 'failures', 'vs bare Fastify'],
    results.map((r) => [
      r.target,
      ...throughputCells(r),
      String(r.failures),
      `${((r.reqPerSec / base) * 100).toFixed(0)}%`,
    ]),
  );
}

if (isMain(import.meta.url)) {
  console.log(healthzTable(await runHealthz()));
}
