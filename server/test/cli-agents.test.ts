import { createRemoteJWKSet, jwtVerify } from 'jose';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createDatabase } from '../src/platform/db/database.js';
import { cli } from './cli-fixture.js';
import { freePort } from './harness.js';

const ADMIN = { email: 'cli-admin@example.com', password: 'cli admin password 1' };
// A fixed port, so that the issuer is known before the first start and tokens verify against it.
const { env, run, startNode } = cli('cli-agents', async () => {
  const port = await freePort();
  return {
    PORT: String(port),
    GATEHOUSE_ISSUER: `http://127.0.0.1:${port}`,
    GATEHOUSE_ADMIN_EMAIL: ADMIN.email,
    GATEHOUSE_ADMIN_PASSWORD: ADMIN.password,
  };
});

let orgId: string;
let adminId: string;
let agentId: string;
let secret: { id: string; clientId: string; secret: string };
let localToken: string;

beforeAll(async () => {
  // The first start makes the default org and its admin; the CLI then works on the stopped node's data.
  const node = await startNode();
  const login = await fetch(`${node.url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  }).then((r) => r.json() as Promise<{ org: { id: string }; user: { id: string } }>);
  orgId = login.org.id;
  adminId = login.user.id;
  expect(await node.stop()).toBe(0);
}, 120_000);

/** Audit records straight from the database, while no node or command holds it. */
async function audit(action: string) {
  const db = createDatabase(loadConfig(env()), pino({ level: 'silent' }));
  try {
    return await db.system
      .selectFrom('audit_events')
      .select(['actor_type', 'actor_id', 'target_id'])
      .where('action', '=', action)
      .execute();
  } finally {
    await db.close();
  }
}

const fails = (r: { code: number | null; stderr: string }, message: string | RegExp) => {
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(message);
};

// Each command is a fresh Node process opening the database: seconds each, more under load, so
// each command gets its happy path and one refusal, no more.
describe('gatehouse agents, credentials and token', { timeout: 240_000 }, () => {
  it('agents create: by slug or org id, with scopes, ttl and owner; refuses an unknown org or a bad name', async () => {
    const created = await run([
      'agents',
      'create',
      '--org',
      'default',
      '--name',
      'cli-bot',
      '--scopes',
      'reports:read,reports:write',
      '--ttl',
      '600',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const m =
      /^created (agt_\w+) cli-bot in default \(owner (usr_\w+); scopes: reports:read reports:write; token ttl 600s\)$/m.exec(
        created.stdout,
      );
    expect(m).toBeTruthy();
    agentId = m?.[1] as string;
    expect(m?.[2]).toBe(adminId);
    const byId = await run([
      'agents',
      'create',
      '--org',
      orgId,
      '--name',
      'second-bot',
      '--owner',
      ADMIN.email,
    ]);
    expect(byId.code, byId.stderr).toBe(0);
    expect(byId.stdout).toMatch(
      /created agt_\w+ second-bot in default \(owner usr_\w+; scopes: none; token ttl 900s\)/,
    );
    fails(await run(['agents', 'create', '--org', 'nope', '--name', 'x']), 'gatehouse: no organization nope');
    fails(
      await run(['agents', 'create', '--org', 'default', '--name', 'Bad Name']),
      /invalid input\n {2}name: /,
    );
  });

  it('agents list, suspend and activate; refuses an unknown status or agent', async () => {
    const suspended = await run(['agents', 'suspend', agentId, '--org', 'default']);
    expect(suspended.code, suspended.stderr).toBe(0);
    expect(suspended.stdout).toBe(`${agentId} cli-bot is suspended\n`);
    const listed = await run(['agents', 'list', '--org', 'default', '--status', 'suspended']);
    expect(listed.stdout).toMatch(
      new RegExp(`^${agentId}\\s+cli-bot\\s+suspended\\s+reports:read reports:write$`, 'm'),
    );
    expect(listed.stdout).not.toContain('second-bot');
    expect((await run(['agents', 'activate', agentId, '--org', 'default'])).stdout).toContain('is active');
    fails(await run(['agents', 'list', '--org', 'default', '--status', 'sleeping']), 'Allowed choices');
    const ghost = 'agt_00000000000000000000000000';
    fails(
      await run(['agents', 'suspend', ghost, '--org', 'default']),
      `no agent ${ghost} in organization default`,
    );
  });

  it('credentials create: the secret once on stdout, the warning on stderr; refuses a bad type or agent', async () => {
    const r = await run(['credentials', 'create', agentId, '--org', 'default', '--type', 'client_secret']);
    expect(r.code, r.stderr).toBe(0);
    const id = /^id: (crd_\w+)$/m.exec(r.stdout)?.[1];
    const clientId = /^client_id: (ghc_\w+)$/m.exec(r.stdout)?.[1];
    const value = /^client_secret: (ghcs_\S+)$/m.exec(r.stdout)?.[1];
    expect(id && clientId && value).toBeTruthy();
    secret = { id: id as string, clientId: clientId as string, secret: value as string };
    expect(r.stderr).toContain('shown once');
    expect(r.stderr).not.toContain(secret.secret);
    fails(
      await run(['credentials', 'create', agentId, '--org', 'default', '--type', 'password']),
      /argument 'password' is invalid\. Allowed choices are client_secret, api_key/,
    );
    const ghost = 'agt_00000000000000000000000000';
    fails(
      await run(['credentials', 'create', ghost, '--org', 'default', '--type', 'api_key']),
      `no agent ${ghost} in organization default`,
    );
  });

  it('token (local): prints an access token; a wrong secret is invalid_client', async () => {
    const r = await run(
      ['token', '--client-id', secret.clientId, '--client-secret-stdin', '--scope', 'reports:read'],
      {
        stdin: `${secret.secret}\n`,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    localToken = r.stdout.trim();
    expect(localToken.split('.')).toHaveLength(3);
    fails(await run(['token', '--client-id', secret.clientId, '--client-secret', 'wrong']), 'invalid_client');
  });

  it('credentials rotate: a new secret, the old one stops with no grace; refuses an unknown credential', async () => {
    const r = await run(['credentials', 'rotate', agentId, secret.id, '--org', 'default', '--grace', '0']);
    expect(r.code, r.stderr).toBe(0);
    const value = /^client_secret: (ghcs_\S+)$/m.exec(r.stdout)?.[1] as string;
    expect(value).toBeTruthy();
    expect(value).not.toBe(secret.secret);
    expect(r.stdout).toMatch(/^previous_valid_until: /m);
    expect(r.stderr).toContain('shown once');
    fails(
      await run(['token', '--client-id', secret.clientId, '--client-secret', secret.secret]),
      'invalid_client',
    );
    secret.secret = value;
    fails(
      await run(['credentials', 'rotate', agentId, 'crd_00000000000000000000000000', '--org', 'default']),
      'no credential crd_00000000000000000000000000',
    );
  });

  it('credentials revoke: the credential stops at once; refuses an unknown agent', async () => {
    const extra = await run([
      'credentials',
      'create',
      agentId,
      '--org',
      'default',
      '--type',
      'api_key',
      '--json',
    ]);
    const issued = JSON.parse(extra.stdout);
    expect(issued).toMatchObject({ type: 'api_key', api_key: expect.stringMatching(/^gh_/) });
    const r = await run(['credentials', 'revoke', agentId, issued.id, '--org', 'default']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`revoked ${issued.id}\n`);
    const ghost = 'agt_00000000000000000000000000';
    fails(
      await run(['credentials', 'revoke', ghost, issued.id, '--org', 'default']),
      `no agent ${ghost} in organization default`,
    );
  });

  it('records the CLI as the actor, not a person', async () => {
    const actions = [
      'agent.created',
      'agent.status_changed',
      'credential.created',
      'credential.rotated',
      'credential.revoked',
    ];
    for (const action of actions) {
      const events = await audit(action);
      expect(events.length, action).toBeGreaterThan(0);
      for (const e of events) expect(e, action).toMatchObject({ actor_type: 'system', actor_id: 'cli' });
    }
  });

  it('token --url asks a running server; both tokens verify against its JWKS', async () => {
    const node = await startNode();
    try {
      const jwks = createRemoteJWKSet(new URL(`${node.url}/.well-known/jwks.json`));
      const local = await jwtVerify(localToken, jwks, { issuer: env().GATEHOUSE_ISSUER, typ: 'at+jwt' });
      expect(local.payload).toMatchObject({
        sub: agentId,
        client_id: secret.clientId,
        scope: 'reports:read',
      });

      const remote = await run([
        'token',
        '--url',
        node.url,
        '--client-id',
        secret.clientId,
        '--client-secret',
        secret.secret,
        '--scope',
        'reports:write',
        '--json',
      ]);
      expect(remote.code, remote.stderr).toBe(0);
      const answer = JSON.parse(remote.stdout);
      expect(answer).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'reports:write' });
      const { payload } = await jwtVerify(answer.access_token, jwks, { issuer: env().GATEHOUSE_ISSUER });
      expect(payload).toMatchObject({ sub: agentId, scope: 'reports:write', org_id: orgId });
      fails(
        await run(['token', '--url', node.url, '--client-id', secret.clientId, '--client-secret', 'wrong']),
        'invalid_client: client authentication failed',
      );
    } finally {
      expect(await node.stop()).toBe(0);
    }
  });
});
