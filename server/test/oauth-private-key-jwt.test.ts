import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import {
  base64url,
  createRemoteJWKSet,
  exportJWK,
  generateKeyPair,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCredentialsServer } from './credentials-fixture.js';
import { freePort, manualClock } from './harness.js';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const clock = manualClock();
const t = useCredentialsServer(clock);

type Key = Awaited<ReturnType<typeof generateKeyPair>>;
interface Client {
  clientId: string;
  credentialId: string;
  agentId: string;
  key: Key;
  alg: string;
}

let agentId: string;
let ed: Client;
let es: Client;
let remote: Client;
let jwksServer: Server;
let jwksHits = 0;

/**
 * A key pair and its public JWK, with a `kid` but no `alg`: an Ed25519 key then verifies both
 * `EdDSA` and `Ed25519` assertions, as clients use either name.
 */
async function keyPair(alg: string) {
  const key = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(key.publicKey)), kid: randomUUID() };
  return { key, jwk };
}

/** Data builder: a private_key_jwt credential for `agent`, registered with a jwks or a jwks_uri. */
async function keyedClient(agent: string, alg: string, where: { jwks_uri?: string } = {}) {
  const { key, jwk } = await keyPair(alg);
  const body = where.jwks_uri ? { jwks_uri: where.jwks_uri } : { jwks: { keys: [jwk] } };
  const c = await t.issue(agent, { type: 'private_key_jwt', ...body });
  return { client: { clientId: c.client_id, credentialId: c.id, agentId: agent, key, alg }, jwk };
}

const nowS = () => Math.floor(clock.now().getTime() / 1000);

/** A well-formed assertion for `c`, with any claim or header overridden (undefined removes it). */
function assertion(
  c: Client,
  claims: Record<string, unknown> = {},
  opts: { key?: Key['privateKey']; alg?: string } = {},
) {
  const payload: Record<string, unknown> = {
    iss: c.clientId,
    sub: c.clientId,
    aud: `${t.server.url}/oauth/token`,
    jti: randomUUID(),
    iat: nowS(),
    exp: nowS() + 60,
    ...claims,
  };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  return new SignJWT(payload as JWTPayload)
    .setProtectedHeader({ alg: opts.alg ?? c.alg })
    .sign(opts.key ?? c.key.privateKey);
}

function token(params: Record<string, string>, headers: Record<string, string> = {}) {
  return t.api.call('POST', '/oauth/token', {
    body: new URLSearchParams({ grant_type: 'client_credentials', ...params }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  });
}
const withAssertion = (jwt: string, params: Record<string, string> = {}) =>
  token({ client_assertion_type: ASSERTION_TYPE, client_assertion: jwt, ...params });

async function expectInvalidClient(jwt: string | Promise<string>, description?: RegExp) {
  const r = await withAssertion(await jwt);
  expect(r.status, JSON.stringify(r.body)).toBe(401);
  expect(r.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
  if (description) expect(r.body.error_description).toMatch(description);
  expect(r.headers.get('www-authenticate')).toBeNull();
}

const verify = (jwt: string) =>
  jwtVerify(jwt, createRemoteJWKSet(new URL(`${t.server.url}/.well-known/jwks.json`)), {
    issuer: t.server.url,
    typ: 'at+jwt',
  });

beforeAll(async () => {
  agentId = (await t.newAgent({ allowed_scopes: ['reports:read'] })).id;
  ed = (await keyedClient(agentId, 'EdDSA')).client;
  es = (await keyedClient(agentId, 'ES256')).client;

  // The client's own key endpoint: a tiny server on loopback, counting its fetches.
  const served = await keyPair('ES256');
  const port = await freePort();
  jwksServer = createServer((req, res) => {
    jwksHits++;
    res.writeHead(req.url === '/jwks.json' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [served.jwk] }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(port, '127.0.0.1', resolve));
  const registered = await keyedClient(agentId, 'ES256', { jwks_uri: `http://127.0.0.1:${port}/jwks.json` });
  remote = { ...registered.client, key: served.key };
});
afterAll(() => new Promise<void>((resolve) => (jwksServer ? jwksServer.close(() => resolve()) : resolve())));

describe('private_key_jwt: success', () => {
  it('issues a token for an EdDSA assertion verified against the registered jwks', async () => {
    const r = await withAssertion(await assertion(ed), { client_id: ed.clientId });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ token_type: 'Bearer', scope: 'reports:read' });
    const { payload } = await verify(r.body.access_token);
    expect(payload).toMatchObject({ sub: agentId, client_id: ed.clientId });
  });

  it('takes ES256, and aud as the issuer or the token endpoint, alone or in an array', async () => {
    for (const aud of [
      t.server.url,
      `${t.server.url}/oauth/token`,
      ['https://elsewhere.example', t.server.url],
    ]) {
      const r = await withAssertion(await assertion(es, { aud }));
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect((await verify(r.body.access_token)).payload.client_id).toBe(es.clientId);
    }
  });

  it('verifies against a jwks_uri, fetched once and then reused', async () => {
    const before = jwksHits;
    for (let i = 0; i < 2; i++) {
      const r = await withAssertion(await assertion(remote));
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    expect(jwksHits - before).toBeLessThanOrEqual(1);
    expect(jwksHits).toBeGreaterThan(0);
  });
});

describe('interop: oauth4webapi, unmodified', () => {
  it('discovers the issuer and completes client_credentials with PrivateKeyJwt', async () => {
    const issuer = new URL(t.server.url);
    const options = { [oauth.allowInsecureRequests]: true };
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' }),
    );
    expect(as.token_endpoint_auth_methods_supported).toContain('private_key_jwt');
    const c: oauth.Client = { client_id: ed.clientId };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      c,
      oauth.PrivateKeyJwt(ed.key.privateKey),
      { scope: 'reports:read' },
      options,
    );
    const result = await oauth.processClientCredentialsResponse(as, c, response);
    expect(result.token_type).toBe('bearer');
    expect((await verify(result.access_token)).payload.client_id).toBe(ed.clientId);
  });
});

describe('private_key_jwt: refusals (401 invalid_client)', () => {
  it('refuses a replayed assertion (same jti twice)', async () => {
    const jwt = await assertion(ed);
    expect((await withAssertion(jwt)).status).toBe(200);
    await expectInvalidClient(jwt, /jti was already used/);
    // The jti is per client: the same value from another client is its own.
    const jti = randomUUID();
    expect((await withAssertion(await assertion(ed, { jti }))).status).toBe(200);
    expect((await withAssertion(await assertion(es, { jti }))).status).toBe(200);
  });

  it('refuses a wrong aud', async () => {
    await expectInvalidClient(assertion(ed, { aud: 'https://other.example/oauth/token' }), /aud/);
    await expectInvalidClient(assertion(ed, { aud: `${t.server.url}/oauth/introspect` }), /aud/);
    await expectInvalidClient(assertion(ed, { aud: undefined }), /aud/);
  });

  it('refuses an expired assertion, a missing exp and one that lives too long', async () => {
    await expectInvalidClient(assertion(ed, { iat: nowS() - 120, exp: nowS() - 60 }), /expired/);
    await expectInvalidClient(assertion(ed, { exp: undefined }), /exp/);
    await expectInvalidClient(assertion(ed, { exp: nowS() + 3600 }), /expire within/);
    await expectInvalidClient(assertion(ed, { iat: nowS() + 300, exp: nowS() + 310 }), /iat/);
  });

  it('judges expiry by the server clock', async () => {
    const jwt = await assertion(ed, { exp: nowS() + 60 });
    clock.advance(120_000);
    try {
      await expectInvalidClient(jwt, /expired/);
    } finally {
      clock.advance(-120_000);
    }
  });

  it('refuses an assertion without a jti', async () => {
    await expectInvalidClient(assertion(ed, { jti: undefined }), /jti/);
  });

  it('refuses iss different from sub, or from the client_id parameter', async () => {
    await expectInvalidClient(assertion(ed, { sub: es.clientId }), /iss and sub/);
    await expectInvalidClient(assertion(ed, { iss: es.clientId }), /iss and sub/);
    const r = await withAssertion(await assertion(ed), { client_id: es.clientId });
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('invalid_client');
  });

  it('refuses an assertion signed by a different key', async () => {
    const other = await generateKeyPair('EdDSA');
    await expectInvalidClient(assertion(ed, {}, { key: other.privateKey }), /signature/);
    // The other registered client's key does not sign for this one either.
    await expectInvalidClient(assertion(ed, {}, { key: es.key.privateKey, alg: 'ES256' }));
  });

  it('refuses alg none and HS256 (even keyed with the public key)', async () => {
    const encode = (v: unknown) => base64url.encode(JSON.stringify(v));
    const claims = {
      iss: ed.clientId,
      sub: ed.clientId,
      aud: t.server.url,
      jti: randomUUID(),
      exp: nowS() + 60,
    };
    await expectInvalidClient(`${encode({ alg: 'none' })}.${encode(claims)}.`);
    const publicJwk = await exportJWK(ed.key.publicKey);
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
    await expectInvalidClient(hs, /alg must be one of/);
  });

  it('refuses an unknown client, and a client_secret client presenting an assertion', async () => {
    const unknown = { ...ed, clientId: 'ghc_00000000000000000000000000' };
    await expectInvalidClient(assertion(unknown));
    const secret = await t.issue(agentId);
    await expectInvalidClient(assertion({ ...ed, clientId: secret.client_id }));
  });

  it('refuses a revoked credential at once', async () => {
    const { client } = await keyedClient(agentId, 'EdDSA');
    expect((await withAssertion(await assertion(client))).status).toBe(200);
    expect(
      (await t.api.del(`/v1/agents/${agentId}/credentials/${client.credentialId}`, t.admin)).status,
    ).toBe(204);
    await expectInvalidClient(assertion(client));
  });

  it('refuses a suspended agent', async () => {
    const agent = (await t.newAgent()).id;
    const { client } = await keyedClient(agent, 'EdDSA');
    expect((await withAssertion(await assertion(client))).status).toBe(200);
    await t.api.patch(`/v1/agents/${agent}`, { status: 'suspended' }, t.admin);
    await expectInvalidClient(assertion(client));
    await t.api.patch(`/v1/agents/${agent}`, { status: 'active' }, t.admin);
    expect((await withAssertion(await assertion(client))).status).toBe(200);
  });

  it('answers an unreachable jwks_uri with invalid_client, not a 500', async () => {
    const port = await freePort();
    const registered = await keyedClient(agentId, 'EdDSA', {
      jwks_uri: `http://127.0.0.1:${port}/jwks.json`,
    });
    await expectInvalidClient(assertion(registered.client), /jwks_uri/);
  });

  it('refuses an assertion that is not a JWT', async () => {
    await expectInvalidClient('not-a-jwt', /not a JWT/);
  });
});

describe('private_key_jwt: malformed requests (400 invalid_request)', () => {
  it('refuses an assertion together with Basic or a client_secret', async () => {
    const secret = await t.issue(agentId);
    const basic = `Basic ${Buffer.from(`${secret.client_id}:${secret.client_secret}`).toString('base64')}`;
    const withBasic = await token(
      { client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion(ed) },
      { authorization: basic },
    );
    expect(withBasic.status).toBe(400);
    expect(withBasic.body.error).toBe('invalid_request');
    const withPost = await withAssertion(await assertion(ed), { client_secret: secret.client_secret });
    expect(withPost.status).toBe(400);
    expect(withPost.body.error).toBe('invalid_request');
  });

  it('refuses a missing or unknown client_assertion_type', async () => {
    const jwt = await assertion(ed);
    const missing = await token({ client_assertion: jwt });
    expect(missing.body).toMatchObject({ error: 'invalid_request' });
    const other = await token({ client_assertion: jwt, client_assertion_type: 'urn:example:saml' });
    expect(other.body).toMatchObject({ error: 'invalid_request' });
    // Neither spent the jti: the same assertion still works when sent properly.
    expect((await withAssertion(jwt)).status).toBe(200);
  });
});
