import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/harness.js';
import { AgentClient, createTokenVerifier, OAuthError } from '../src/index.js';
import { agentFixture, countingFetch } from './agent-fixture.js';

let server: TestServer;
let fx: Awaited<ReturnType<typeof agentFixture>>;
let agentId: string;
let creds: { client_id: string; client_secret: string };

beforeAll(async () => {
  server = await startTestServer();
  fx = await agentFixture(server);
  agentId = await fx.agent('sdk-bot', { token_ttl_seconds: 600 });
  creds = await fx.credential(agentId);
});
afterAll(() => server.close());

function agent(extra: Partial<ConstructorParameters<typeof AgentClient>[0]> = {}) {
  const counter = countingFetch(extra.fetch);
  const client = new AgentClient({
    issuer: server.url,
    clientId: creds.client_id,
    auth: { type: 'client_secret', secret: creds.client_secret },
    ...extra,
    fetch: counter.fetch,
  });
  return { client, ...counter };
}

describe('AgentClient with a client secret', () => {
  it('discovers the token endpoint and gets a token with client_secret_basic', async () => {
    const { client, calls, tokenRequests } = agent();
    const token = await client.getAccessToken();
    expect(calls.map((c) => c.path)).toEqual(['/.well-known/oauth-authorization-server', '/oauth/token']);
    const [sent] = tokenRequests();
    expect(sent?.headers.get('authorization')).toMatch(/^Basic /);
    expect(sent?.body).toBe('grant_type=client_credentials');
    expect(token).toMatchObject({ tokenType: 'Bearer', scope: ['invoices:read', 'invoices:write'] });
    expect(token.expiresAt - Date.now()).toBeGreaterThan(590_000);
    const claims = await createTokenVerifier({ issuer: server.url, audience: server.url }).verify(
      token.accessToken,
    );
    expect(claims).toMatchObject({ sub: agentId, client_id: creds.client_id });
  });

  it('sends the secret in the body with client_secret_post, and asks for the configured scope', async () => {
    const { client, tokenRequests } = agent({
      auth: { type: 'client_secret', secret: creds.client_secret, method: 'client_secret_post' },
      scope: ['invoices:read'],
    });
    expect((await client.getAccessToken()).scope).toEqual(['invoices:read']);
    const [sent] = tokenRequests();
    expect(sent?.headers.get('authorization')).toBeNull();
    expect(new URLSearchParams(sent?.body).get('client_secret')).toBe(creds.client_secret);
  });

  it('caches the token: a second call sends nothing', async () => {
    const { client, calls } = agent();
    const first = await client.getToken();
    const sent = calls.length;
    expect(await client.getToken()).toBe(first);
    expect(calls.length).toBe(sent);
  });

  it('refreshes ahead of expiry, and not before', async () => {
    let now = Date.now();
    const { client, tokenRequests } = agent({ now: () => now, refreshAheadSeconds: 60 });
    const first = await client.getToken();
    now += 539_000; // 61 s before the 600 s token expires
    expect(await client.getToken()).toBe(first);
    expect(tokenRequests()).toHaveLength(1);
    now += 2_000; // 59 s before: inside the refresh window
    const second = await client.getToken();
    expect(second).not.toBe(first);
    expect(tokenRequests()).toHaveLength(2);
  });

  it('invalidate() forgets the cached token', async () => {
    const { client, tokenRequests } = agent();
    await client.getToken();
    client.invalidate();
    await client.getToken();
    expect(tokenRequests()).toHaveLength(2);
  });

  it('coalesces concurrent callers into one token request', async () => {
    const { client, tokenRequests } = agent();
    const tokens = await Promise.all(Array.from({ length: 10 }, () => client.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(tokenRequests()).toHaveLength(1);
  });

  it('a failed request rejects every waiter, and the next call tries again', async () => {
    let failNext = true;
    const flaky: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/oauth/token') && failNext) {
        failNext = false;
        throw new TypeError('fetch failed');
      }
      return fetch(input, init);
    };
    const { client, tokenRequests } = agent({ fetch: flaky });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => client.getToken()));
    expect(results.every((r) => r.status === 'rejected' && r.reason.message === 'fetch failed')).toBe(true);
    expect(tokenRequests()).toHaveLength(1);
    expect(await client.getToken()).toEqual(expect.any(String));
    expect(tokenRequests()).toHaveLength(2);
  });
});

describe('AgentClient.fetch', () => {
  it('calls a protected API with the Bearer token, and passes its refusals back as responses', async () => {
    const id = await fx.agent('reader-bot', { allowed_scopes: ['gatehouse:agents.read'] });
    const reader = await fx.credential(id);
    const { client, calls } = agent({
      clientId: reader.client_id,
      auth: { type: 'client_secret', secret: reader.client_secret },
    });
    const res = await client.fetch(`${server.url}/v1/agents?name_prefix=reader`);
    expect(res.status).toBe(200);
    expect((await res.json()).items.map((a: { id: string }) => a.id)).toEqual([id]);
    const sent = calls.find((c) => c.path === '/v1/agents');
    expect(sent?.headers.get('authorization')).toMatch(/^Bearer ey/);

    const denied = await client.fetch(`${server.url}/v1/agents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'not-allowed' }),
    });
    expect(denied.status).toBe(403);
  });
});

describe('AgentClient errors', () => {
  it('a wrong secret rejects with OAuthError invalid_client (401), and every attempt asks again', async () => {
    const { client, tokenRequests } = agent({ auth: { type: 'client_secret', secret: 'wrong' } });
    const errors = await Promise.all(Array.from({ length: 3 }, () => client.getToken().catch((e) => e)));
    for (const err of errors) {
      expect(err).toBeInstanceOf(OAuthError);
      expect(err).toMatchObject({
        error: 'invalid_client',
        status: 401,
        errorDescription: expect.any(String),
      });
    }
    expect(tokenRequests()).toHaveLength(1);
    await expect(client.getToken()).rejects.toMatchObject({ error: 'invalid_client' });
    expect(tokenRequests()).toHaveLength(2);
  });

  it('a scope the agent may not have: invalid_scope (400)', async () => {
    const { client } = agent({ scope: 'invoices:read admin' });
    await expect(client.getToken()).rejects.toMatchObject({ error: 'invalid_scope', status: 400 });
  });

  it('an unknown client: invalid_client', async () => {
    const { client } = agent({ clientId: 'ghc_nobody' });
    await expect(client.getToken()).rejects.toMatchObject({ error: 'invalid_client', status: 401 });
  });

  it('refuses metadata that names another issuer, and retries discovery on the next call', async () => {
    let lie = true;
    const spoofing: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!String(input).includes('/.well-known/') || !lie) return res;
      lie = false;
      return Response.json({ ...(await res.json()), issuer: 'https://evil.example' });
    };
    const { client, calls } = agent({ fetch: spoofing });
    await expect(client.getToken()).rejects.toMatchObject({ error: 'invalid_response' });
    expect(calls.map((c) => c.path)).toEqual(['/.well-known/oauth-authorization-server']);
    expect(await client.getToken()).toEqual(expect.any(String));
  });

  it('an issuer that is not a Gatehouse: invalid_response with the status', async () => {
    const { client } = agent({ issuer: `${server.url}/nowhere` });
    await expect(client.getToken()).rejects.toMatchObject({ error: 'invalid_response', status: 404 });
  });
});
