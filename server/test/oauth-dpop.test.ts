import { createHash, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './client.js';
import { startTestServer, type TestServer } from './harness.js';
import { clientBuilder, formPost, type TestClient } from './oauth-fixture.js';

/** Sender-constrained tokens (RFC 9449) end to end: token endpoint, protected routes, introspection. */
let server: TestServer;
let api: ReturnType<typeof client>;
let newClient: ReturnType<typeof clientBuilder>;
let reader: TestClient;

beforeAll(async () => {
  server = await startTestServer();
  api = client(server);
  const admin = await api.login(server.admin.email, server.admin.password);
  newClient = clientBuilder(api, admin, 'dpop');
  reader = await newClient({ allowed_scopes: ['gatehouse:agents.read', 'gatehouse:introspect'] });
});
afterAll(() => server.close());

type Keys = Awaited<ReturnType<typeof generateKeyPair>>;

async function proof(keys: Keys, htm: string, htu: string, extra: Record<string, unknown> = {}) {
  const jwk = await exportJWK(keys.publicKey);
  return new SignJWT({ htm, htu, jti: randomUUID(), iat: Math.floor(Date.now() / 1000), ...extra })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'dpop+jwt', jwk })
    .sign(keys.privateKey);
}
const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

async function dpopToken(keys: Keys, c: TestClient = reader) {
  const r = await formPost(
    api,
    '/oauth/token',
    { grant_type: 'client_credentials' },
    { ...c.auth, dpop: await proof(keys, 'POST', `${server.url}/oauth/token`) },
  );
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r;
}

const getAgents = (token: string, headers: Record<string, string>) =>
  api.call('GET', '/v1/agents', { headers: { authorization: `DPoP ${token}`, ...headers } });

describe('DPoP', () => {
  it('interop: oauth4webapi gets a DPoP-bound token and calls a protected route with it', async () => {
    const issuer = new URL(server.url);
    const options = { [oauth.allowInsecureRequests]: true };
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' }),
    );
    const c: oauth.Client = { client_id: reader.clientId };
    const DPoP = oauth.DPoP(c, await oauth.generateKeyPair('ES256'));
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      c,
      oauth.ClientSecretBasic(reader.secret),
      {},
      {
        ...options,
        DPoP,
      },
    );
    const result = await oauth.processClientCredentialsResponse(as, c, response);
    expect(result.token_type).toBe('dpop');
    const call = await oauth.protectedResourceRequest(
      result.access_token,
      'GET',
      new URL(`${server.url}/v1/agents`),
      undefined,
      undefined,
      { ...options, DPoP },
    );
    expect(call.status).toBe(200);
  });

  it('binds the token to the proof key (cnf.jkt), visible to introspection', async () => {
    const keys = await generateKeyPair('EdDSA');
    const r = await dpopToken(keys);
    expect(r.body.token_type).toBe('DPoP');
    expect(r.headers.get('dpop-nonce')).toBeTruthy();
    const jwk = await exportJWK(keys.publicKey);
    const jkt = createHash('sha256')
      .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x }))
      .digest('base64url');
    const info = await formPost(api, '/oauth/introspect', { token: r.body.access_token }, reader.auth);
    expect(info.body).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt } });
  });

  it('refuses a bound token presented as a Bearer token, or without a proof', async () => {
    const keys = await generateKeyPair('EdDSA');
    const token = (await dpopToken(keys)).body.access_token;
    const bearer = await api.get('/v1/agents', token);
    expect(bearer.status).toBe(401);
    expect(bearer.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token"/);
    const noProof = await getAgents(token, {});
    expect(noProof.status).toBe(401);
    expect(noProof.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof"/);
  });

  it('refuses a proof with a wrong htu, a replayed jti, a different key, or no ath', async () => {
    const keys = await generateKeyPair('EdDSA');
    const token = (await dpopToken(keys)).body.access_token;
    const url = `${server.url}/v1/agents`;
    const good = await proof(keys, 'GET', url, { ath: ath(token) });
    expect((await getAgents(token, { dpop: good })).status).toBe(200);
    const cases = {
      replayed: good,
      wrongHtu: await proof(keys, 'GET', `${server.url}/v1/users`, { ath: ath(token) }),
      wrongMethod: await proof(keys, 'POST', url, { ath: ath(token) }),
      otherKey: await proof(await generateKeyPair('EdDSA'), 'GET', url, { ath: ath(token) }),
      noAth: await proof(keys, 'GET', url),
    };
    for (const [name, dpop] of Object.entries(cases)) {
      const r = await getAgents(token, { dpop });
      expect(r.status, name).toBe(401);
      expect(r.headers.get('www-authenticate'), name).toMatch(/^DPoP error="invalid_dpop_proof"/);
    }
  });

  it('answers invalid_dpop_proof at the token endpoint for a bad proof', async () => {
    const keys = await generateKeyPair('EdDSA');
    const r = await formPost(
      api,
      '/oauth/token',
      { grant_type: 'client_credentials' },
      { ...reader.auth, dpop: await proof(keys, 'POST', `${server.url}/oauth/other`) },
    );
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_dpop_proof');
  });
});

describe('DPoP with a required server nonce', () => {
  let nonceServer: TestServer;
  beforeAll(async () => {
    nonceServer = await startTestServer({ env: { GATEHOUSE_DPOP_REQUIRE_NONCE: 'true' } });
  });
  afterAll(() => nonceServer.close());

  it('asks for the nonce with use_dpop_nonce, then issues', async () => {
    const a = client(nonceServer);
    const admin = await a.login(nonceServer.admin.email, nonceServer.admin.password);
    const c = await clientBuilder(a, admin, 'nonce')();
    const keys = await generateKeyPair('EdDSA');
    const htu = `${nonceServer.url}/oauth/token`;
    const first = await formPost(
      a,
      '/oauth/token',
      { grant_type: 'client_credentials' },
      {
        ...c.auth,
        dpop: await proof(keys, 'POST', htu),
      },
    );
    expect(first.status).toBe(400);
    expect(first.body.error).toBe('use_dpop_nonce');
    const nonce = first.headers.get('dpop-nonce') as string;
    expect(nonce).toBeTruthy();
    const second = await formPost(
      a,
      '/oauth/token',
      { grant_type: 'client_credentials' },
      {
        ...c.auth,
        dpop: await proof(keys, 'POST', htu, { nonce }),
      },
    );
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body.token_type).toBe('DPoP');
  });
});
