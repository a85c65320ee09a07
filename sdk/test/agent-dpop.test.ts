import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import {
  calculateJwkThumbprint,
  decodeJwt,
  decodeProtectedHeader,
  EmbeddedJWK,
  exportJWK,
  generateKeyPair,
  jwtVerify,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/harness.js';
import { AgentClient, createTokenVerifier, OAuthError } from '../src/index.js';
import { agentFixture, countingFetch } from './agent-fixture.js';

let server: TestServer;
let creds: { client_id: string; client_secret: string };
let fx: Awaited<ReturnType<typeof agentFixture>>;

beforeAll(async () => {
  // The server asks for a nonce, so every DPoP client here goes through the retry.
  server = await startTestServer({ env: { GATEHOUSE_DPOP_REQUIRE_NONCE: 'true' } });
  fx = await agentFixture(server);
  creds = await fx.credential(await fx.agent('dpop-bot'));
});
afterAll(() => server.close());

function agent(extra: Partial<ConstructorParameters<typeof AgentClient>[0]> = {}) {
  const counter = countingFetch(extra.fetch);
  const client = new AgentClient({
    issuer: server.url,
    clientId: creds.client_id,
    auth: { type: 'client_secret', secret: creds.client_secret },
    dpop: true,
    ...extra,
    fetch: counter.fetch,
  });
  return { client, ...counter };
}

const proofOf = (headers: Headers | undefined) => {
  const proof = headers?.get('dpop');
  if (!proof) throw new Error('no DPoP header');
  return { header: decodeProtectedHeader(proof), claims: decodeJwt(proof) };
};

describe('DPoP at the token endpoint', () => {
  it('gets a DPoP-bound token, retrying once with the server nonce', async () => {
    const { client, tokenRequests } = agent();
    const token = await client.getAccessToken();
    expect(token.tokenType).toBe('DPoP');
    const claims = await createTokenVerifier({ issuer: server.url, audience: server.url }).verify(
      token.accessToken,
    );
    expect(claims.cnf?.jkt).toBe(await client.dpopThumbprint());

    const [first, second] = tokenRequests().map((r) => proofOf(r.headers));
    expect(tokenRequests()).toHaveLength(2);
    expect(first?.header).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } });
    expect(first?.header.jwk).not.toHaveProperty('d');
    expect(first?.claims).toMatchObject({ htm: 'POST', htu: `${server.url}/oauth/token` });
    expect(first?.claims).not.toHaveProperty('nonce');
    expect(first?.claims).not.toHaveProperty('ath');
    expect(second?.claims.nonce).toEqual(expect.any(String));
    expect(second?.claims.jti).not.toBe(first?.claims.jti);
  });

  it('keeps the nonce: the next token request needs no retry', async () => {
    const { client, tokenRequests } = agent();
    await client.getToken();
    client.invalidate();
    await client.getToken();
    expect(tokenRequests()).toHaveLength(3);
  });

  it('binds to a key pair of its own (Ed25519)', async () => {
    const pair = await generateKeyPair('EdDSA');
    const publicJwk = await exportJWK(pair.publicKey);
    const { client, tokenRequests } = agent({ dpop: { privateKey: pair.privateKey, publicJwk } });
    const { accessToken } = await client.getAccessToken();
    expect(decodeJwt(accessToken).cnf).toEqual({ jkt: await calculateJwkThumbprint(publicJwk) });
    expect(proofOf(tokenRequests()[0]?.headers).header.alg).toBe('EdDSA');
  });

  it('retries a nonce challenge only once', async () => {
    let n = 0;
    const stubborn: typeof fetch = async (input, init) => {
      if (!String(input).endsWith('/oauth/token')) return fetch(input, init);
      n += 1;
      return Response.json(
        { error: 'use_dpop_nonce', error_description: 'again' },
        { status: 400, headers: { 'dpop-nonce': `nonce-${n}` } },
      );
    };
    const { client, tokenRequests } = agent({ fetch: stubborn });
    const err = await client.getToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OAuthError);
    expect(err).toMatchObject({ error: 'use_dpop_nonce', status: 400 });
    expect(tokenRequests()).toHaveLength(2);
  });
});

/** A resource server that takes DPoP tokens and insists on its own nonce. */
function resourceServer() {
  const seen: { authorization?: string; dpop?: string; url?: string; method?: string }[] = [];
  const nonce = 'rs-nonce-1';
  const verifier = () => createTokenVerifier({ issuer: server.url, audience: server.url });
  const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');

  async function check(req: IncomingMessage, origin: string): Promise<number> {
    const [scheme, token] = (req.headers.authorization ?? '').split(' ');
    if (scheme === 'Bearer' && token) return (await verifier().verify(token)).cnf ? 401 : 200;
    if (scheme !== 'DPoP' || !token || typeof req.headers.dpop !== 'string') return 401;
    const claims = await verifier().verify(token);
    const proof = await jwtVerify(req.headers.dpop, EmbeddedJWK, { typ: 'dpop+jwt' });
    const jkt = await calculateJwkThumbprint(
      proof.protectedHeader.jwk as Parameters<typeof calculateJwkThumbprint>[0],
    );
    const url = new URL(req.url ?? '/', origin);
    const p = proof.payload;
    if (jkt !== claims.cnf?.jkt || p.ath !== sha256(token)) return 403;
    if (p.htm !== req.method || p.htu !== `${url.origin}${url.pathname}`) return 403;
    return p.nonce === nonce ? 200 : 428;
  }

  let origin = '';
  const http: Server = createServer((req, res) => {
    seen.push({
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(typeof req.headers.dpop === 'string' ? { dpop: req.headers.dpop } : {}),
      url: req.url ?? '',
      method: req.method ?? '',
    });
    req.resume();
    check(req, origin).then(
      (status) => {
        if (status === 428) {
          res.writeHead(401, {
            'www-authenticate': 'DPoP error="use_dpop_nonce", error_description="nonce required"',
            'dpop-nonce': nonce,
          });
          return res.end();
        }
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: status === 200 }));
      },
      () => {
        res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' });
        res.end();
      },
    );
  });
  return {
    seen,
    async start() {
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      const address = http.address();
      origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      return origin;
    },
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}

describe('AgentClient.fetch', () => {
  it("calls Gatehouse's own API with a DPoP token and a proof bound to it", async () => {
    const id = await fx.agent('dpop-reader', { allowed_scopes: ['gatehouse:agents.read'] });
    const reader = await fx.credential(id);
    const { client, calls } = agent({
      clientId: reader.client_id,
      auth: { type: 'client_secret', secret: reader.client_secret },
    });
    const res = await client.fetch(`${server.url}/v1/agents/${id}`);
    expect(res.status).toBe(200);
    expect((await res.json()).id).toBe(id);
    const sent = calls.filter((c) => c.path === `/v1/agents/${id}`);
    const { accessToken } = await client.getAccessToken();
    expect(sent.at(-1)?.headers.get('authorization')).toBe(`DPoP ${accessToken}`);
    expect(proofOf(sent.at(-1)?.headers).claims).toMatchObject({
      htm: 'GET',
      htu: `${server.url}/v1/agents/${id}`,
      ath: createHash('sha256').update(accessToken).digest('base64url'),
    });
  });

  let rs: ReturnType<typeof resourceServer>;
  let origin: string;

  beforeAll(async () => {
    rs = resourceServer();
    origin = await rs.start();
  });
  afterAll(() => rs.close());

  it('sends the DPoP token with a proof bound to it, and retries once with the nonce', async () => {
    rs.seen.length = 0;
    const { client } = agent();
    const res = await client.fetch(`${origin}/invoices?status=open#top`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"amount":1}',
    });
    expect(res.status).toBe(200);
    expect(rs.seen).toHaveLength(2);
    const [first, second] = rs.seen;
    expect(first?.authorization).toMatch(/^DPoP /);
    expect(first?.dpop).not.toBe(second?.dpop);
    expect(decodeJwt(second?.dpop as string)).toMatchObject({
      htm: 'POST',
      htu: `${origin}/invoices`,
      nonce: 'rs-nonce-1',
    });
  });

  it('sends a Bearer token without a proof when DPoP is off', async () => {
    rs.seen.length = 0;
    const { client } = agent({ dpop: false });
    const res = await client.fetch(`${origin}/invoices`);
    expect(res.status).toBe(200);
    expect(rs.seen).toEqual([expect.objectContaining({ authorization: expect.stringMatching(/^Bearer /) })]);
    expect(rs.seen[0]?.dpop).toBeUndefined();
  });

  it('does not resend a body that was a stream', async () => {
    rs.seen.length = 0;
    const { client } = agent();
    const body = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode('{}'));
        c.close();
      },
    });
    const res = await client.fetch(`${origin}/upload`, {
      method: 'PUT',
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(401);
    expect(rs.seen).toHaveLength(1);
  });
});
