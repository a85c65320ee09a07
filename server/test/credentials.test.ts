import { describe, expect, it, vi } from 'vitest';
import { signingJwk, useCredentialsServer } from './credentials-fixture.js';

const t = useCredentialsServer();

const rowOf = (id: string) =>
  t.server.runtime.db.system
    .selectFrom('credentials')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
const listOf = async (agentId: string) => {
  const r = await t.api.get(`/v1/agents/${agentId}/credentials`, t.admin);
  expect(r.status).toBe(200);
  return r.body.items as any[];
};
/** What authentication answers for credential `c` of `agentId`. */
const authOf = (agentId: string, c: { id: string; client_id?: string }, type: string) => ({
  orgId: t.orgId,
  agentId,
  credentialId: c.id,
  clientId: c.client_id ?? c.id,
  type,
});
const auditOf = (credentialId: string) =>
  t.server.runtime.db.system
    .selectFrom('audit_events')
    .select(['action', 'actor_id', 'details'])
    .where('target_id', '=', credentialId)
    .orderBy('id')
    .execute();

describe('client secrets', () => {
  it('shows the secret once: never in the list, never in the database', async () => {
    const agent = await t.newAgent();
    const c = await t.issue(agent.id);
    expect(c).toEqual({
      id: expect.stringMatching(/^crd_[0-9a-z]{26}$/),
      type: 'client_secret',
      client_id: expect.stringMatching(/^ghc_[0-9a-z]{26}$/),
      client_secret: expect.stringMatching(/^ghcs_[A-Za-z0-9_-]{43}$/),
      expires_at: null,
      created_at: expect.any(String),
    });

    const listed = await t.api.get(`/v1/agents/${agent.id}/credentials`, t.admin);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ id: c.id, type: 'client_secret', client_id: c.client_id, status: 'active' }),
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(c.client_secret.slice(5));
    expect(Object.keys(listed.body.items[0])).not.toContain('secret_hash');

    const row = await rowOf(c.id);
    expect(JSON.stringify(row)).not.toContain(c.client_secret.slice(5));
    expect(row.secret_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);

    expect(await auditOf(c.id)).toEqual([
      {
        action: 'credential.created',
        actor_id: t.adminId,
        details: { agent_id: agent.id, type: 'client_secret', expires_at: null },
      },
    ]);
  });

  it('authenticates the right secret only, and records the use off the request', async () => {
    const agent = await t.newAgent();
    const c = await t.issue(agent.id);
    const other = await t.issue(agent.id);
    const { credentials } = t.services;
    expect(await credentials.authenticateSecret(c.client_id, c.client_secret)).toEqual(
      authOf(agent.id, c, 'client_secret'),
    );
    expect(
      await credentials.authenticateSecret(c.client_id, `${c.client_secret.slice(0, -1)}x`),
    ).toBeUndefined();
    expect(await credentials.authenticateSecret(c.client_id, other.client_secret)).toBeUndefined();
    expect(await credentials.authenticateSecret(c.client_id, '')).toBeUndefined();
    expect(
      await credentials.authenticateSecret('ghc_00000000000000000000000000', c.client_secret),
    ).toBeUndefined();
    expect(await credentials.authenticateSecret('not-a-client', c.client_secret)).toBeUndefined();
    await vi.waitFor(async () => {
      const listed = (await listOf(agent.id)).find((x) => x.id === c.id);
      expect(listed.last_used_at).not.toBeNull();
    });
  });

  it('refuses a credential of a suspended or archived agent, and issues none to an archived one', async () => {
    const agent = await t.newAgent();
    const c = await t.issue(agent.id);
    const { credentials } = t.services;
    await t.api.patch(`/v1/agents/${agent.id}`, { status: 'suspended' }, t.admin);
    expect(await credentials.authenticateSecret(c.client_id, c.client_secret)).toBeUndefined();
    expect(await credentials.isLive(t.orgId, c.id)).toBe(false);
    await t.api.patch(`/v1/agents/${agent.id}`, { status: 'active' }, t.admin);
    expect(await credentials.authenticateSecret(c.client_id, c.client_secret)).toBeDefined();

    expect((await t.api.del(`/v1/agents/${agent.id}`, t.admin)).status).toBe(204);
    expect(await credentials.authenticateSecret(c.client_id, c.client_secret)).toBeUndefined();
    const refused = await t.api.post(`/v1/agents/${agent.id}/credentials`, { type: 'api_key' }, t.admin);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('agent_archived');
    const rotate = await t.api.post(`/v1/agents/${agent.id}/credentials/${c.id}/rotate`, {}, t.admin);
    expect(rotate.status).toBe(409);
    expect((await listOf(agent.id)).map((x) => x.id)).toEqual([c.id]);
  });
});

describe('revocation', () => {
  it('stops a credential at once, through the warm cache too; idempotent and audited once', async () => {
    const agent = await t.newAgent();
    const c = await t.issue(agent.id);
    const { credentials } = t.services;
    expect(await credentials.authenticateSecret(c.client_id, c.client_secret)).toBeDefined();
    expect(await credentials.isLive(t.orgId, c.id)).toBe(true);

    const path = `/v1/agents/${agent.id}/credentials/${c.id}`;
    expect((await t.api.del(path, t.admin)).status).toBe(204);
    expect(await credentials.authenticateSecret(c.client_id, c.client_secret)).toBeUndefined();
    expect(await credentials.isLive(t.orgId, c.id)).toBe(false);
    expect((await t.api.del(path, t.admin)).status).toBe(204);

    const listed = (await listOf(agent.id))[0];
    expect(listed).toMatchObject({ status: 'revoked', revoked_at: expect.any(String) });
    const rotate = await t.api.post(`${path}/rotate`, { grace_seconds: 60 }, t.admin);
    expect(rotate.status).toBe(409);
    expect(rotate.body.code).toBe('credential_revoked');
    expect((await auditOf(c.id)).map((e) => e.action)).toEqual(['credential.created', 'credential.revoked']);
  });

  it('isLive answers only for the org the credential belongs to', async () => {
    const agent = await t.newAgent();
    const c = await t.issue(agent.id, { type: 'api_key' });
    const { credentials } = t.services;
    expect(await credentials.isLive(t.orgId, c.id)).toBe(true);
    expect(await credentials.isLive('org_00000000000000000000000000', c.id)).toBe(false);
    expect(await credentials.isLive(t.orgId, 'crd_00000000000000000000000000')).toBe(false);
    expect(await credentials.isLive('nonsense', c.id)).toBe(false);
  });
});

describe('API keys', () => {
  it('authenticates gh_<prefix>_<secret> by its prefix; a tampered key fails', async () => {
    const agent = await t.newAgent();
    const k = await t.issue(agent.id, { type: 'api_key' });
    expect(k).toEqual({
      id: expect.stringMatching(/^crd_/),
      type: 'api_key',
      key_prefix: expect.stringMatching(/^[0-9a-z]{12}$/),
      api_key: expect.stringMatching(/^gh_[0-9a-z]{12}_[A-Za-z0-9_-]{43}$/),
      expires_at: null,
      created_at: expect.any(String),
    });
    expect(k.api_key.startsWith(`gh_${k.key_prefix}_`)).toBe(true);
    const { credentials } = t.services;
    expect(await credentials.authenticateApiKey(k.api_key)).toEqual(authOf(agent.id, k, 'api_key'));

    const other = await t.issue(agent.id, { type: 'api_key' });
    const secret = k.api_key.slice(16);
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    for (const bad of [
      flip(k.api_key, k.api_key.length - 1),
      flip(k.api_key, 20),
      `gh_${other.key_prefix}_${secret}`,
      k.api_key.slice(0, -1),
      `${k.api_key}A`,
      `gh_${k.key_prefix.toUpperCase()}_${secret}`,
      k.api_key.replace('gh_', 'gx_'),
      '',
    ]) {
      expect(await credentials.authenticateApiKey(bad), bad).toBeUndefined();
    }
    // A client secret's client id and an API key do not stand in for each other.
    expect(await credentials.authenticateSecret(k.id, k.api_key)).toBeUndefined();

    const listed = (await listOf(agent.id)).find((x) => x.id === k.id);
    expect(listed).toMatchObject({ type: 'api_key', key_prefix: k.key_prefix, client_id: null });
    expect(JSON.stringify(await rowOf(k.id))).not.toContain(secret);
  });
});

describe('private_key_jwt', () => {
  it('registers public keys or a jwks_uri, with no secret; findClient gives them back', async () => {
    const agent = await t.newAgent();
    const { publicJwk } = signingJwk();
    const ec = signingJwk('ec').publicJwk;
    const c = await t.issue(agent.id, { type: 'private_key_jwt', jwks: { keys: [publicJwk, ec] } });
    expect(c).toEqual({
      id: expect.stringMatching(/^crd_/),
      type: 'private_key_jwt',
      client_id: expect.stringMatching(/^ghc_/),
      expires_at: null,
      created_at: expect.any(String),
    });
    const { credentials } = t.services;
    expect(await credentials.findClient(c.client_id)).toEqual({
      ...authOf(agent.id, c, 'private_key_jwt'),
      jwks: { keys: [publicJwk, ec] },
    });
    const byUri = await t.issue(agent.id, {
      type: 'private_key_jwt',
      jwks_uri: 'https://agents.example.com/.well-known/jwks.json',
    });
    expect(await credentials.findClient(byUri.client_id)).toMatchObject({
      jwksUri: 'https://agents.example.com/.well-known/jwks.json',
    });
    await t.issue(agent.id, { type: 'private_key_jwt', jwks_uri: 'http://127.0.0.1:9999/jwks.json' });

    // No secret authenticates it, it has none to rotate, and findClient is only for its type.
    expect(await credentials.authenticateSecret(c.client_id, '')).toBeUndefined();
    const rotate = await t.api.post(`/v1/agents/${agent.id}/credentials/${c.id}/rotate`, {}, t.admin);
    expect(rotate.status).toBe(400);
    expect(rotate.body.code).toBe('rotation_not_supported');
    const secretClient = await t.issue(agent.id);
    expect(await credentials.findClient(secretClient.client_id)).toBeUndefined();

    await t.api.del(`/v1/agents/${agent.id}/credentials/${c.id}`, t.admin);
    expect(await credentials.findClient(c.client_id)).toBeUndefined();
  });

  it('refuses private keys, symmetric keys, unusable keys and unsafe URIs', async () => {
    const agent = await t.newAgent();
    const { publicJwk, privateJwk } = signingJwk();
    const refused = async (body: Record<string, unknown>) => {
      const r = await t.api.post(
        `/v1/agents/${agent.id}/credentials`,
        { type: 'private_key_jwt', ...body },
        t.admin,
      );
      expect(r.status, JSON.stringify(body)).toBe(400);
      return r.body.errors?.map((e: any) => `${e.field}: ${e.message}`).join('; ') ?? r.body.code;
    };
    expect(await refused({ jwks: { keys: [privateJwk] } })).toMatch(
      /body\.jwks\.keys\.0: .*private key material \("d"\)/,
    );
    for (const member of ['p', 'q', 'dp', 'dq', 'qi']) {
      expect(await refused({ jwks: { keys: [{ ...publicJwk, [member]: 'AQAB' }] } })).toContain(
        `("${member}")`,
      );
    }
    expect(await refused({ jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } })).toContain('("k")');
    expect(await refused({ jwks: { keys: [{ kty: 'oct' }] } })).toContain('kty must be');
    expect(await refused({ jwks: { keys: [{ ...publicJwk, crv: 'X25519' }] } })).toContain('crv must be');
    expect(await refused({ jwks: { keys: [{ ...publicJwk, x: 'not-a-point' }] } })).toContain(
      'not a valid public key',
    );
    expect(await refused({ jwks: { keys: [{ ...publicJwk, use: 'enc' }] } })).toContain('use must be');
    expect(await refused({ jwks: { keys: [] } })).toContain('body.jwks.keys');
    expect(await refused({})).toContain('either jwks or jwks_uri');
    expect(await refused({ jwks: { keys: [publicJwk] }, jwks_uri: 'https://a.example/jwks' })).toContain(
      'either jwks or jwks_uri',
    );
    for (const uri of [
      'http://agents.example.com/jwks',
      'ftp://a.example/jwks',
      'not a url',
      'https://u:p@a.example/j',
    ]) {
      expect(await refused({ jwks_uri: uri })).toMatch(/^body\.jwks_uri: /);
    }
    expect(await listOf(agent.id)).toEqual([]);
  });
});

describe('validation', () => {
  it('names what is wrong in a create body', async () => {
    const agent = await t.newAgent();
    const path = `/v1/agents/${agent.id}/credentials`;
    const cases: [unknown, string][] = [
      [{ type: 'password' }, 'validation_failed'],
      [{}, 'validation_failed'],
      [{ type: 'client_secret', jwks: { keys: [] } }, 'validation_failed'],
      [{ type: 'api_key', expires_at: 'tomorrow' }, 'validation_failed'],
      [{ type: 'api_key', expires_at: '2000-01-01T00:00:00Z' }, 'invalid_expiry'],
    ];
    for (const [body, code] of cases) {
      const r = await t.api.post(path, body, t.admin);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.code).toBe(code);
    }
    const future = new Date(Date.now() + 3600_000).toISOString();
    const c = await t.issue(agent.id, { type: 'api_key', expires_at: future });
    expect(c.expires_at).toBe(future);
  });
});
