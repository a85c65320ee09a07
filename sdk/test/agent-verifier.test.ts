import { createServer, type Server } from 'node:http';
import { decodeProtectedHeader, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/harness.js';
import { AgentClient, createTokenVerifier, TokenVerificationError } from '../src/index.js';
import { agentFixture, countingFetch } from './agent-fixture.js';

let server: TestServer;
let token: string;
let agentId: string;
let clientId: string;

beforeAll(async () => {
  server = await startTestServer();
  const fx = await agentFixture(server);
  agentId = await fx.agent('verified-bot', { token_ttl_seconds: 300 });
  const creds = await fx.credential(agentId);
  clientId = creds.client_id;
  const agent = new AgentClient({
    issuer: server.url,
    clientId,
    auth: { type: 'client_secret', secret: creds.client_secret },
    scope: 'invoices:read invoices:write',
  });
  token = await agent.getToken();
});
afterAll(() => server.close());

const verifier = (extra: Partial<Parameters<typeof createTokenVerifier>[0]> = {}) =>
  createTokenVerifier({ issuer: server.url, audience: server.url, ...extra });

async function refusal(promise: Promise<unknown>): Promise<TokenVerificationError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TokenVerificationError);
  expect(err).toMatchObject({ code: 'invalid_token' });
  return err as TokenVerificationError;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const parts = (jwt: string) => jwt.split('.') as [string, string, string];

describe('createTokenVerifier', () => {
  it('accepts a Gatehouse token and returns typed claims', async () => {
    const claims = await verifier().verify(token);
    expect(claims).toMatchObject({
      iss: server.url,
      sub: agentId,
      aud: [server.url],
      client_id: clientId,
      scope: ['invoices:read', 'invoices:write'],
      org_id: expect.stringMatching(/^org_/),
      jti: expect.any(String),
    });
    expect(claims.exp - claims.iat).toBe(300);
    expect(claims.act).toBeUndefined();
    expect(claims.cnf).toBeUndefined();
  });

  it('expects the issuer as audience when told no other', async () => {
    await expect(createTokenVerifier({ issuer: server.url }).verify(token)).resolves.toMatchObject({
      sub: agentId,
    });
  });

  it('fetches the key set once for many verifications', async () => {
    const counter = countingFetch();
    const v = verifier({ fetch: counter.fetch });
    await Promise.all(Array.from({ length: 20 }, () => v.verify(token)));
    await v.verify(token);
    expect(counter.calls.map((c) => c.path)).toEqual(['/.well-known/jwks.json']);
  });

  it('refuses a token for another audience', async () => {
    const err = await refusal(verifier({ audience: 'https://other.example/api' }).verify(token));
    expect(err.message).toMatch(/aud/);
  });

  it('refuses a token from another issuer', async () => {
    const jwksUri = `${server.url}/.well-known/jwks.json`;
    await refusal(verifier({ issuer: 'https://other.example', jwksUri }).verify(token));
  });

  it('refuses an expired token, and accepts it just before', async () => {
    const { exp } = await verifier().verify(token);
    await expect(verifier({ now: () => exp * 1000 - 1000 }).verify(token)).resolves.toBeTruthy();
    const err = await refusal(verifier({ now: () => exp * 1000 + 1000 }).verify(token));
    expect(err.message).toBe('the token has expired');
  });

  it('refuses a tampered payload and a tampered signature', async () => {
    const [h, p, s] = parts(token);
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const widened = `${h}.${b64({ ...payload, scope: 'invoices:read invoices:write admin' })}.${s}`;
    const err = await refusal(verifier().verify(widened));
    expect(err.message).toBe('the token signature does not verify');
    const flipped = `${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`;
    await refusal(verifier().verify(flipped));
  });

  it('refuses alg none, and a token signed by a key that only claims a published kid', async () => {
    const [h, p] = parts(token);
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    await refusal(verifier().verify(`${b64({ ...header, alg: 'none' })}.${p}.`));
    const forger = await generateKeyPair('EdDSA');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: decodeProtectedHeader(token).kid as string })
      .sign(forger.privateKey);
    await refusal(verifier().verify(forged));
  });

  it('refuses garbage', async () => {
    await refusal(verifier().verify('not a jwt'));
    await refusal(verifier().verify(''));
  });
});

describe('createTokenVerifier with a key set of its own', () => {
  let jwksServer: Server;
  let jwksUri: string;
  let privateKey: CryptoKey;
  let jwk: JWK;
  const issuer = 'https://issuer.example';

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    jwksServer = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const address = jwksServer.address();
    jwksUri = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/jwks`;
  });
  afterAll(() => new Promise<void>((resolve) => jwksServer.close(() => resolve())));

  const sign = (typ: string, claims: Record<string, unknown> = {}) =>
    new SignJWT({ client_id: 'c1', scope: 'a b', ...claims })
      .setProtectedHeader({ alg: 'ES256', typ, kid: 'k1' })
      .setIssuer(issuer)
      .setAudience(['https://api.example', 'https://other.example'])
      .setSubject('agt_1')
      .setJti('j1')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);

  it('checks typ: at+jwt passes, a plain JWT (an ID token, say) does not', async () => {
    const v = createTokenVerifier({ issuer, audience: 'https://api.example', jwksUri });
    const claims = await v.verify(
      await sign('at+jwt', { act: { sub: 'agt_2', act: { sub: 'usr_1' } }, cnf: { jkt: 'thumb' } }),
    );
    expect(claims).toMatchObject({
      aud: ['https://api.example', 'https://other.example'],
      scope: ['a', 'b'],
      act: { sub: 'agt_2', act: { sub: 'usr_1' } },
      cnf: { jkt: 'thumb' },
    });
    await refusal(v.verify(await sign('JWT')));
  });

  it('verifies against a fixed key set given inline', async () => {
    const v = createTokenVerifier({ issuer, audience: 'https://other.example', jwks: { keys: [jwk] } });
    expect((await v.verify(await sign('at+jwt'))).sub).toBe('agt_1');
    const stranger = await generateKeyPair('ES256');
    const forged = await new SignJWT({ client_id: 'c1' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
      .setIssuer(issuer)
      .setAudience('https://other.example')
      .setSubject('agt_1')
      .setJti('j2')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(stranger.privateKey);
    await refusal(v.verify(forged));
  });

  it('refuses a token without client_id, and an alg it was not told to accept', async () => {
    const v = createTokenVerifier({ issuer, audience: 'https://api.example', jwksUri });
    await refusal(v.verify(await sign('at+jwt', { client_id: undefined })));
    const edOnly = createTokenVerifier({
      issuer,
      audience: 'https://api.example',
      jwksUri,
      algorithms: ['EdDSA'],
    });
    const err = await refusal(edOnly.verify(await sign('at+jwt')));
    expect(err.message).toBe('the token alg is not accepted');
  });
});
