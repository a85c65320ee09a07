import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { cli } from './cli-fixture.js';

const { run, startNode } = cli('cli');

/** The admin password the first start printed; no later start may print it again. */
let password: string | undefined;

// Each command is a fresh Node process opening the database: seconds each, more under load.
describe('gatehouse CLI', { timeout: 120_000 }, () => {
  it('explains every command with --help', async () => {
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    for (const cmd of ['start', 'migrate', 'users', 'keys', 'agents', 'credentials', 'token']) {
      expect(top.stdout).toContain(cmd);
    }
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

  it('prints a generated admin password on first start, and it works', async () => {
    const node = await startNode();
    password = /password: {2}(\S+) {3}\(shown once/.exec(node.output())?.[1];
    expect(password).toBeTruthy();
    const login = await fetch(`${node.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@gatehouse.local', password }),
    });
    expect(login.status).toBe(200);
    expect(await node.stop()).toBe(0);
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

  // One later start serves both checks: each start is a full boot of the server, seconds of the run.
  it('a later start prints no password; it finishes an in-flight request on SIGTERM, then exits 0', async () => {
    const node = await startNode();
    expect(node.output()).not.toContain('shown once');
    expect(node.output()).not.toContain(password);
    const body = JSON.stringify({ email: 'piped@example.com', password: 'a chosen password' });
    const req = request(`${node.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    const answered = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
    });
    // Half the body now, the rest after the signal: the request is in flight during shutdown.
    req.write(body.slice(0, 10));
    await sleep(200);
    const stopped = node.stop();
    await sleep(300);
    req.end(body.slice(10));
    expect(await answered).toBe(200);
    expect(await stopped).toBe(0);
    expect(node.output()).toContain('shutdown complete');
    await expect(fetch(`${node.url}/healthz`)).rejects.toThrow();
  });
});
