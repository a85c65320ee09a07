import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { freshDatabase } from './harness.js';

const MAIN = new URL('../src/main.ts', import.meta.url).pathname;

/**
 * The CLI as an operator runs it: every command a fresh Node process, all on one data dir (and,
 * under DATABASE_URL, one fresh database) that the calling file's beforeAll makes and its
 * afterAll removes. `settings` adds to every command's environment; it runs in that beforeAll,
 * so it may choose a port.
 */
export function cli(
  name: string,
  settings: () => Record<string, string> | Promise<Record<string, string>> = () => ({}),
) {
  let env: Record<string, string> = {};
  let cleanup = async () => {};
  // A test that fails between start and stop must not leave a node holding the data dir.
  const running = new Set<ChildProcess>();

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), `gatehouse-${name}-`));
    const db = process.env.DATABASE_URL ? await freshDatabase() : undefined;
    env = {
      PATH: process.env.PATH ?? '',
      GATEHOUSE_DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'info',
      GATEHOUSE_SHUTDOWN_TIMEOUT_MS: '5000',
      ...(await settings()),
      ...(db ? { ...db.env, GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64url') } : {}),
    };
    cleanup = async () => {
      await db?.drop();
      await rm(dataDir, { recursive: true, force: true });
    };
  });
  afterAll(async () => {
    for (const child of running) child.kill('SIGKILL');
    await cleanup();
  });

  function spawnCli(args: string[], extraEnv: Record<string, string> = {}) {
    return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      env: { ...env, ...extraEnv },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  /** One command to completion: its exit code and what it printed. `env` adds to the file's settings. */
  async function run(args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}) {
    const child = spawnCli(args, opts.env);
    child.stdin.end(opts.stdin ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { code, stdout, stderr };
  }

  /**
   * `gatehouse start`, resolved with its URL and output once /readyz answers 200; stop() sends
   * SIGTERM and resolves with the exit code.
   */
  async function startNode(): Promise<{
    url: string;
    output: () => string;
    stop(): Promise<number | null>;
    /** SIGKILL: the process dies mid-work, as in a crash or an OOM kill. */
    crash(): Promise<number | null>;
  }> {
    const child = spawnCli(['start']);
    running.add(child);
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => {
        running.delete(child);
        resolve(code);
      }),
    );
    const stop = () => {
      child.kill('SIGTERM');
      return exited;
    };
    const crash = () => {
      child.kill('SIGKILL');
      return exited;
    };
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (url) {
        const ready = await fetch(`${url}/readyz`).then(
          (r) => r.status,
          () => 0,
        );
        if (ready === 200) return { url, output: () => output, stop, crash };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    throw new Error(`gatehouse did not become ready:\n${output}`);
  }

  return { env: () => env, run, startNode };
}
