// Cold start: from spawning `node server/bin/gatehouse.js start` to the first 200 on GET /readyz.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  GATEHOUSE_BIN,
  isMain,
  median,
  memoryMiB,
  REDIS_URL,
  spawnNode,
  stop,
  table,
  waitFor200,
  withPostgresDatabase,
} from './lib.js';

export const STARTUP_MODES = {
  embeddedFirst: 'embedded (PGlite), first start: empty data dir',
  embeddedSecond: 'embedded (PGlite), second start: same data dir',
  postgres: 'PostgreSQL (new empty database) + Redis',
} as const;
export type StartupMode = keyof typeof STARTUP_MODES;

export interface StartupSample {
  mode: StartupMode;
  readyMs: number;
  rssMiB: number;
  peakMiB: number;
}

async function startOnce(mode: StartupMode, env: Record<string, string>): Promise<StartupSample> {
  const port = String(await freePort());
  const t0 = performance.now();
  const child = spawnNode([GATEHOUSE_BIN, 'start'], { PORT: port, ...env });
  try {
    const readyAt = await waitFor200(child, '/readyz');
    const mem = memoryMiB(child.pid);
    return { mode, readyMs: readyAt - t0, rssMiB: mem.rss, peakMiB: mem.peak };
  } finally {
    await stop(child);
  }
}

/** Each repetition: a fresh data dir started twice, then a fresh PostgreSQL database. */
export async function runStartup(
  repetitions = 3,
  log = (s: string) => console.log(s),
): Promise<StartupSample[]> {
  const samples: StartupSample[] = [];
  const record = (s: StartupSample) => {
    samples.push(s);
    log(`  ${s.mode}: ready in ${s.readyMs.toFixed(0)} ms, RSS ${s.rssMiB.toFixed(0)} MiB`);
  };
  for (let i = 0; i < repetitions; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'gh-bench-'));
    try {
      const env = { GATEHOUSE_DATA_DIR: join(dir, 'data') };
      record(await startOnce('embeddedFirst', env));
      record(await startOnce('embeddedSecond', env));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const prefix = `gh_bench_${randomBytes(4).toString('hex')}:`;
    record(
      await withPostgresDatabase((url) =>
        startOnce('postgres', {
          DATABASE_URL: url,
          REDIS_URL,
          GATEHOUSE_REDIS_PREFIX: prefix,
          GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64url'),
        }),
      ),
    );
  }
  return samples;
}

export function startupTable(samples: StartupSample[]): string {
  const rows = (Object.keys(STARTUP_MODES) as StartupMode[]).map((mode) => {
    const of = samples.filter((s) => s.mode === mode);
    const ready = of.map((s) => s.readyMs);
    return [
      STARTUP_MODES[mode],
      String(of.length),
      Math.min(...ready).toFixed(0),
      median(ready).toFixed(0),
      median(of.map((s) => s.rssMiB)).toFixed(0),
      median(of.map((s) => s.peakMiB)).toFixed(0),
    ];
  });
  return table(
    ['mode', 'runs', 'ready min (ms)', 'ready median (ms)', 'RSS when ready (MiB)', 'peak RSS (MiB)'],
    rows,
  );
}

if (isMain(import.meta.url)) {
  console.log(startupTable(await runStartup()));
}
