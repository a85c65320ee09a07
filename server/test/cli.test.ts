import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from './harness.js';

const MAIN = new URL('../src/main.ts', import.meta.url).pathname;

let env: Record<string, string>;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-cli-'));
  const db = process.env.DATABASE_URL ? await freshDatabase() : undefined;
  env = {
    PATH: process.env.PATH ?? '',
    GATEHOUSE_DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'info',
    GATEHOUSE_SHUTDOWN_TIMEOUT_MS: '5000',
    ...(db ? { ...db.env, GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64url') } : {}),
  };
  cleanup = async () => {
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
});
afterAll(() => cleanup());

function gatehouse(args: string[], extraEnv: Record<string, string> = {}) {
  return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...env, ...extraEnv },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

async function run(args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}) {
  const child = gatehouse(args, opts.env);
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

/** Starts `gatehouse start` and resolves with its URL once /readyz answers 200. */
async function startNode(): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = gatehouse(['start']);
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    if (url) {
      const ready = await fetch(`${url}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
      if (ready === 200) return { child, url, output: () => output };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`gatehouse did not become ready:\n${output}`);
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

// Each command is a fresh Node process opening the database: seconds each, more under load.
describe('gatehouse CLI', { timeout: 120_000 }, () => {
  it('explains every command with --help', async () => {
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    for (const cmd of ['start', 'migrate', 'users']) expect(top.stdout).toContain(cmd);
    const create = await run(['users', 'create', '--help']);
    expect(create.stdout).toContain('--email');
    expect(create.stdout).toContain('--role');
    expect((await run(['users', 'list', '--help'])).stdout).toContain('--org');
  });

  it('refuses an invalid setting, naming it', async () => {
    const r = await run(['start'], { env: { PORT: 'eighty' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('PORT');
  });

  it('migrates, then reports the database up to date', async () => {
    const first = await run(['migrate']);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('applied: 0001_foundation');
    const second = await run(['migrate']);
    expect(second.stdout).toContain('database is up to date');
  });

  it('prints a generated admin password on first start only, and it works', async () => {
    const node = await startNode();
    const password = /password: {2}(\S+) {3}\(shown once/.exec(node.output())?.[1];
    expect(password).toBeTruthy();
    const login = await fetch(`${node.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@gatehouse.local', password }),
    });
    expect(login.status).toBe(200);
    node.child.kill('SIGTERM');
    expect(await exited(node.child)).toBe(0);

    const again = await startNode();
    expect(again.output()).not.toContain('shown once');
    expect(again.output()).not.toContain(password);
    again.child.kill('SIGTERM');
    expect(await exited(again.child)).toBe(0);
  });

  it('creates and lists users', async () => {
    const created = await run([
      'users',
      'create',
      '--email',
      'ops@example.com',
      '--org',
      'default',
      '--role',
      'manager',
    ]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/created ops@example\.com \(usr_\w+\) as manager in default/);
    expect(created.stdout).toMatch(/password: \S{20,}/);
    const piped = await run(
      ['users', 'create', '--email', 'piped@example.com', '--org', 'default', '--password-stdin'],
      {
        stdin: 'a chosen password\n',
      },
    );
    expect(piped.code).toBe(0);
    expect(piped.stdout).not.toContain('password:');
    const dup = await run(['users', 'create', '--email', 'ops@example.com', '--org', 'default']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('already a member');
    const missing = await run(['users', 'create', '--email', 'x@example.com', '--org', 'nope']);
    expect(missing.stderr).toContain('no organization with slug nope');
    const list = await run(['users', 'list', '--org', 'default']);
    expect(list.stdout).toMatch(/ops@example\.com\s+default\s+manager/);
    expect(list.stdout).toMatch(/piped@example\.com\s+default\s+member/);
  });

  it('rotates and lists signing keys', async () => {
    expect((await run(['keys', 'list', '--org', 'default'])).stdout).toContain('no keys yet');
    const rotated = await run(['keys', 'rotate', '--org', 'default', '--alg', 'ES256']);
    expect(rotated.code).toBe(0);
    const kid = /default: (key_\w+) \(ES256\)/.exec(rotated.stdout)?.[1];
    expect(kid).toBeTruthy();
    const listed = await run(['keys', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`default\\s+${kid}\\s+ES256\\s+active`));
    expect((await run(['keys', 'rotate', '--org', 'nope'])).stderr).toContain(
      'no organization with slug nope',
    );
  });

  it('finishes an in-flight request on SIGTERM, then exits 0', async () => {
    const node = await startNode();
    const body = JSON.stringify({ email: 'piped@example.com', password: 'a chosen password' });
    const answered = new Promise<number>((resolve, reject) => {
      const req = request(`${node.url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      // Half the body now, the rest after the signal: the request is in flight during shutdown.
      req.write(body.slice(0, 10));
      setTimeout(() => {
        node.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(10)), 300);
      }, 200);
    });
    expect(await answered).toBe(200);
    expect(await exited(node.child)).toBe(0);
    expect(node.output()).toContain('shutdown complete');
    await expect(fetch(`${node.url}/healthz`)).rejects.toThrow();
  });
});
