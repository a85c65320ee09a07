import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/harness.js';
import { AgentClient, createTokenVerifier, OAuthError } from '../src/index.js';
import { agentFixture, countingFetch } from './agent-fixture.js';

const AT = 'urn:ietf:params:oauth:token-type:access_token';

let server: TestServer;
let fx: Awaited<ReturnType<typeof agentFixture>>;

beforeAll(async () => {
  server = await startTestServer();
  fx = await agentFixture(server);
});
afterAll(() => server.close());

/** An agent with a client secret, and an SDK client for it. */
async function sdkAgent(name: string, scopes: string[], extra: { dpop?: boolean } = {}) {
  const id = await fx.agent(name, { allowed_scopes: scopes });
  const creds = await fx.credential(id);
  const counter = countingFetch();
  const client = new AgentClient({
    issuer: server.url,
    clientId: creds.client_id,
    auth: { type: 'client_secret', secret: creds.client_secret },
    fetch: counter.fetch,
    ...extra,
  });
  return { id, clientId: creds.client_id, client, ...counter };
}

async function delegate(actor: string, subject: string, body: Record<string, unknown> = {}) {
  const r = await fx.api.post(
    '/v1/delegations',
    { actor_agent_id: actor, subject: { type: 'agent', id: subject }, ...body },
    fx.admin,
  );
  if (r.status !== 201) throw new Error(`delegation: ${r.status} ${JSON.stringify(r.body)}`);
}

const verify = (token: string) => createTokenVerifier({ issuer: server.url }).verify(token);

describe('AgentClient.exchange (RFC 8693)', () => {
  it('is refused without a delegation grant: OAuthError invalid_grant', async () => {
    const subject = await sdkAgent('subject-0', ['docs:read']);
    const actor = await sdkAgent('actor-0', ['docs:read']);
    const err = await actor.client
      .exchange({ subjectToken: await subject.client.getToken() })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OAuthError);
    expect(err).toMatchObject({ error: 'invalid_grant', status: 400 });
  });

  it('acts for the subject: act names the actor, scope is narrowed, nothing is cached', async () => {
    const subject = await sdkAgent('subject-1', ['docs:read', 'docs:write']);
    const actor = await sdkAgent('actor-1', ['docs:read', 'docs:write']);
    await delegate(actor.id, subject.id);
    const subjectToken = await subject.client.getToken();

    const exchanged = await actor.client.exchange({ subjectToken, scope: ['docs:read'] });
    expect(exchanged).toMatchObject({ tokenType: 'Bearer', issuedTokenType: AT, scope: ['docs:read'] });
    expect(await verify(exchanged.accessToken)).toMatchObject({
      sub: subject.id,
      client_id: actor.clientId,
      scope: ['docs:read'],
      act: { sub: actor.id, client_id: actor.clientId },
    });
    const sent = new URLSearchParams(actor.tokenRequests()[0]?.body);
    expect(Object.fromEntries(sent)).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: subjectToken,
      subject_token_type: AT,
      scope: 'docs:read',
    });

    await actor.client.exchange({ subjectToken });
    expect(actor.tokenRequests()).toHaveLength(2);
  });

  it('nests act along a chain the grant allows', async () => {
    const subject = await sdkAgent('subject-2', ['docs:read']);
    const first = await sdkAgent('actor-2a', ['docs:read']);
    const second = await sdkAgent('actor-2b', ['docs:read']);
    await delegate(first.id, subject.id);
    await delegate(second.id, subject.id, { max_depth: 2 });
    const once = await first.client.exchange({ subjectToken: await subject.client.getToken() });
    const twice = await second.client.exchange({ subjectToken: once.accessToken });
    expect((await verify(twice.accessToken)).act).toMatchObject({ sub: second.id, act: { sub: first.id } });
  });

  it('a DPoP actor gets a DPoP-bound exchanged token', async () => {
    const subject = await sdkAgent('subject-3', ['docs:read']);
    const actor = await sdkAgent('actor-3', ['docs:read'], { dpop: true });
    await delegate(actor.id, subject.id);
    const exchanged = await actor.client.exchange({ subjectToken: await subject.client.getToken() });
    expect(exchanged.tokenType).toBe('DPoP');
    expect((await verify(exchanged.accessToken)).cnf?.jkt).toBe(await actor.client.dpopThumbprint());
  });
});
