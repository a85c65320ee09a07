import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/harness.js';
import { AgentClient, createTokenVerifier, OAuthError } from '../src/index.js';
import { agentFixture, countingFetch } from './agent-fixture.js';

let server: TestServer;
let fx: Awaited<ReturnType<typeof agentFixture>>;
let agentId: string;

beforeAll(async () => {
  server = await startTestServer();
  fx = await agentFixture(server);
  agentId = await fx.agent('keyed-bot');
});
afterAll(() => server.close());

/** A key pair whose public half is registered as a private_key_jwt credential. */
async function registered(alg: 'EdDSA' | 'ES256', kid: string) {
  const pair = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid, use: 'sig' };
  const cred = await fx.credential<{ client_id: string }>(agentId, {
    type: 'private_key_jwt',
    jwks: { keys: [publicJwk] },
  });
  return {
    ...pair,
    privateJwk: { ...(await exportJWK(pair.privateKey)), kid } as JWK,
    clientId: cred.client_id,
  };
}

describe('AgentClient with private_key_jwt', () => {
  it('authenticates with an RFC 7523 assertion signed by a CryptoKey (EdDSA)', async () => {
    const key = await registered('EdDSA', 'ed-1');
    const counter = countingFetch();
    const agent = new AgentClient({
      issuer: server.url,
      clientId: key.clientId,
      auth: { type: 'private_key_jwt', privateKey: key.privateKey, kid: 'ed-1' },
      fetch: counter.fetch,
    });
    const token = await agent.getToken();
    const claims = await createTokenVerifier({ issuer: server.url, audience: server.url }).verify(token);
    expect(claims).toMatchObject({ sub: agentId, client_id: key.clientId });

    const sent = new URLSearchParams(counter.tokenRequests()[0]?.body);
    expect(sent.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    expect(counter.tokenRequests()[0]?.headers.get('authorization')).toBeNull();
    const assertion = sent.get('client_assertion') as string;
    expect(decodeProtectedHeader(assertion)).toMatchObject({ alg: 'EdDSA', kid: 'ed-1' });
    const a = decodeJwt(assertion);
    expect(a).toMatchObject({ iss: key.clientId, sub: key.clientId, aud: `${server.url}/oauth/token` });
    expect(Number(a.exp) - Number(a.iat)).toBe(60);
    expect(a.jti).toEqual(expect.any(String));
  });

  it('signs with a private JWK (ES256), its alg and kid inferred; each request a new jti', async () => {
    const key = await registered('ES256', 'ec-1');
    const counter = countingFetch();
    const agent = new AgentClient({
      issuer: server.url,
      clientId: key.clientId,
      auth: { type: 'private_key_jwt', privateKey: key.privateJwk },
      fetch: counter.fetch,
    });
    await agent.getToken();
    agent.invalidate();
    await agent.getToken();
    const assertions = counter
      .tokenRequests()
      .map((r) => new URLSearchParams(r.body).get('client_assertion') as string);
    expect(assertions.map((a) => decodeProtectedHeader(a))).toEqual([
      expect.objectContaining({ alg: 'ES256', kid: 'ec-1' }),
      expect.objectContaining({ alg: 'ES256', kid: 'ec-1' }),
    ]);
    expect(decodeJwt(assertions[0] as string).jti).not.toBe(decodeJwt(assertions[1] as string).jti);
  });

  it('signs with a Node.js KeyObject, its alg inferred (ES256 on P-256)', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const publicJwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: 'node-1' };
    const cred = await fx.credential<{ client_id: string }>(agentId, {
      type: 'private_key_jwt',
      jwks: { keys: [publicJwk] },
    });
    const counter = countingFetch();
    const agent = new AgentClient({
      issuer: server.url,
      clientId: cred.client_id,
      auth: { type: 'private_key_jwt', privateKey: pair.privateKey, kid: 'node-1' },
      fetch: counter.fetch,
    });
    expect(await agent.getToken()).toEqual(expect.any(String));
    const assertion = new URLSearchParams(counter.tokenRequests()[0]?.body).get('client_assertion') as string;
    expect(decodeProtectedHeader(assertion).alg).toBe('ES256');
  });

  it('a key that is not the registered one: invalid_client', async () => {
    const key = await registered('EdDSA', 'ed-2');
    const other = await generateKeyPair('EdDSA');
    const agent = new AgentClient({
      issuer: server.url,
      clientId: key.clientId,
      auth: { type: 'private_key_jwt', privateKey: other.privateKey, kid: 'ed-2' },
    });
    const err = await agent.getToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OAuthError);
    expect(err).toMatchObject({ error: 'invalid_client', status: 401 });
  });

  it('a private JWK without its private part is refused before anything is sent', async () => {
    const key = await registered('EdDSA', 'ed-3');
    const counter = countingFetch();
    const agent = new AgentClient({
      issuer: server.url,
      clientId: key.clientId,
      auth: { type: 'private_key_jwt', privateKey: { ...key.privateJwk, d: undefined } },
      fetch: counter.fetch,
    });
    await expect(agent.getToken()).rejects.toThrow(/no private key/);
    expect(counter.tokenRequests()).toHaveLength(0);
  });
});
