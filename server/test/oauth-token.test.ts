import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './client.js';
import { startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let api: ReturnType<typeof client>;
let admin: string;
let agentId: string;
let creds: { id: string; client_id: string; client_secret: string };

beforeAll(async () => {
  server = await startTestServer();
  api = client(server);
  admin = await api.login(server.admin.email, server.admin.password);
  const agent = await api.post(
    '/v1/agents',
    { name: 'billing-bot', allowed_scopes: ['invoices:read', 'invoices:write'], token_ttl_seconds: 600 },
    admin,
  );
  expect(agent.status).toBe(201);
  agentId = agent.body.id;
  const created = await api.post(`/v1/agents/${agentId}/credentials`, { type: 'client_secret' }, admin);
  expect(created.status).toBe(201);
  creds = created.body;
});
afterAll(() => server.close());

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

function token(params: Record<string, string>, headers: Record<string, string> = {}) {
  return api.call('POST', '/oauth/token', {
    body: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  });
}
const withBasic = (params: Record<string, string> = {}) =>
  token(
    { grant_type: 'client_credentials', ...params },
    { authorization: basic(creds.client_id, creds.client_secret) },
  );

const verify = (jwt: string) =>
  jwtVerify(jwt, createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`)), {
    issuer: server.url,
    typ: 'at+jwt',
  });

describe('discovery', () => {
  it('publishes RFC 8414 metadata and the OpenID configuration, truthfully', async () => {
    const meta = await api.get('/.well-known/oauth-authorization-server');
    expect(meta.body).toMatchObject({
      issuer: server.url,
      token_endpoint: `${server.url}/oauth/token`,
      jwks_uri: `${server.url}/.well-known/jwks.json`,
      introspection_endpoint: `${server.url}/oauth/introspect`,
      revocation_endpoint: `${server.url}/oauth/revoke`,
      registration_endpoint: `${server.url}/oauth/register`,
      grant_types_supported: ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange'],
      dpop_signing_alg_values_supported: ['EdDSA', 'ES256', 'ES384', 'RS256', 'PS256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: [
        'EdDSA',
        'Ed25519',
        'ES256',
        'ES384',
        'RS256',
        'PS256',
      ],
    });
    const oidc = await api.get('/.well-known/openid-configuration');
    expect(oidc.body.issuer).toBe(server.url);
    expect(oidc.body.token_endpoint).toBe(meta.body.token_endpoint);
  });
});

describe('client_credentials', () => {
  it('issues an RFC 9068 JWT with client_secret_basic', async () => {
    const r = await withBasic();
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 600,
      scope: 'invoices:read invoices:write',
    });
    const { payload, protectedHeader } = await verify(r.body.access_token);
    expect(protectedHeader).toMatchObject({ typ: 'at+jwt', alg: 'EdDSA' });
    expect(payload).toMatchObject({
      iss: server.url,
      sub: agentId,
      aud: server.url,
      client_id: creds.client_id,
      scope: 'invoices:read invoices:write',
      org_id: expect.stringMatching(/^org_/),
    });
    expect(Number(payload.exp) - Number(payload.iat)).toBe(600);
    expect(payload.nbf).toBe(payload.iat);
    expect(payload.jti).toEqual(expect.any(String));
    const audit = await server.runtime.db.system
      .selectFrom('audit_events')
      .select(['action', 'target_id', 'actor_id'])
      .where('target_id', '=', String(payload.jti))
      .execute();
    expect(audit).toEqual([{ action: 'token.issued', target_id: payload.jti, actor_id: agentId }]);
  });

  it('issues with client_secret_post', async () => {
    const r = await token({
      grant_type: 'client_credentials',
      client_id: creds.client_id,
      client_secret: creds.client_secret,
    });
    expect(r.status).toBe(200);
  });

  it('grants a requested subset of the allowed scopes, and refuses the rest', async () => {
    const subset = await withBasic({ scope: 'invoices:read' });
    expect(subset.body.scope).toBe('invoices:read');
    const refused = await withBasic({ scope: 'invoices:read admin' });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      error: 'invalid_scope',
      error_description: expect.stringContaining('admin'),
    });
  });

  it('refuses a resource it does not know', async () => {
    const r = await withBasic({ resource: 'https://unknown.example/api' });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_target');
  });
});

describe('client authentication failures', () => {
  it('wrong secret: 401 invalid_client with a Basic challenge', async () => {
    const r = await token(
      { grant_type: 'client_credentials' },
      { authorization: basic(creds.client_id, 'wrong') },
    );
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('invalid_client');
    expect(r.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
  });

  it('unknown client and missing credentials: 401 invalid_client', async () => {
    const unknown = await token({
      grant_type: 'client_credentials',
      client_id: 'ghc_nobody',
      client_secret: 'x',
    });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toBe('invalid_client');
    expect(unknown.headers.get('www-authenticate')).toBeNull();
    expect((await token({ grant_type: 'client_credentials' })).body.error).toBe('invalid_client');
  });

  it('two authentication methods at once: invalid_request', async () => {
    const r = await token(
      { grant_type: 'client_credentials', client_secret: creds.client_secret },
      { authorization: basic(creds.client_id, creds.client_secret) },
    );
    expect(r.body.error).toBe('invalid_request');
  });

  it('a suspended or archived agent gets no token', async () => {
    await api.patch(`/v1/agents/${agentId}`, { status: 'suspended' }, admin);
    expect((await withBasic()).body.error).toBe('invalid_client');
    await api.patch(`/v1/agents/${agentId}`, { status: 'active' }, admin);
    expect((await withBasic()).status).toBe(200);
  });

  it('a revoked credential stops at once', async () => {
    const extra = (await api.post(`/v1/agents/${agentId}/credentials`, { type: 'client_secret' }, admin))
      .body;
    const use = () =>
      token(
        { grant_type: 'client_credentials' },
        { authorization: basic(extra.client_id, extra.client_secret) },
      );
    expect((await use()).status).toBe(200);
    expect((await api.del(`/v1/agents/${agentId}/credentials/${extra.id}`, admin)).status).toBe(204);
    expect((await use()).body.error).toBe('invalid_client');
  });
});

describe('malformed requests', () => {
  it('answers RFC 6749 errors, never problem+json', async () => {
    expect((await token({})).body).toMatchObject({ error: 'invalid_request' });
    expect((await token({ grant_type: 'password' })).body.error).toBe('unsupported_grant_type');
    const repeated = await api.call('POST', '/oauth/token', {
      body: 'grant_type=client_credentials&grant_type=client_credentials',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(repeated.body.error).toBe('invalid_request');
    const json = await api.post('/oauth/token', { grant_type: 'client_credentials' });
    expect(json.status).toBe(400);
    expect(json.body.error).toBe('invalid_request');
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
  });
});

describe('interop: oauth4webapi, unmodified', () => {
  it('discovers the issuer and completes client_credentials', async () => {
    const issuer = new URL(server.url);
    const options = { [oauth.allowInsecureRequests]: true };
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' }),
    );
    const c: oauth.Client = { client_id: creds.client_id };
    for (const auth of [
      oauth.ClientSecretBasic(creds.client_secret),
      oauth.ClientSecretPost(creds.client_secret),
    ]) {
      const response = await oauth.clientCredentialsGrantRequest(
        as,
        c,
        auth,
        { scope: 'invoices:read' },
        options,
      );
      const result = await oauth.processClientCredentialsResponse(as, c, response);
      expect(result.token_type).toBe('bearer');
      expect(result.scope).toBe('invoices:read');
      await expect(verify(result.access_token)).resolves.toBeTruthy();
    }
  });
});

describe('POST /v1/sessions (agent API key → 15-minute token)', () => {
  it('trades a valid API key for a verifiable token, and refuses anything else', async () => {
    const key = (await api.post(`/v1/agents/${agentId}/credentials`, { type: 'api_key' }, admin)).body;
    expect(key.api_key).toMatch(/^gh_/);
    const session = await api.call('POST', '/v1/sessions', {
      headers: { authorization: `Bearer ${key.api_key}` },
    });
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ token_type: 'Bearer', expires_in: 600 });
    const { payload } = await verify(session.body.access_token);
    expect(payload.sub).toBe(agentId);
    expect(new Date(session.body.expires_at).getTime() / 1000).toBe(payload.exp);

    const tampered = `${key.api_key.slice(0, -1)}${key.api_key.endsWith('a') ? 'b' : 'a'}`;
    const attempts: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${tampered}` },
      { authorization: `Bearer ${creds.client_secret}` },
    ];
    for (const headers of attempts) {
      const r = await api.call('POST', '/v1/sessions', { headers });
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('invalid_api_key');
      expect(r.headers.get('www-authenticate')).toContain('invalid_token');
    }
    expect((await api.del(`/v1/agents/${agentId}/credentials/${key.id}`, admin)).status).toBe(204);
    const revoked = await api.call('POST', '/v1/sessions', {
      headers: { authorization: `Bearer ${key.api_key}` },
    });
    expect(revoked.status).toBe(401);
  });
});
