import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Clock } from '../src/platform/clock.js';
import { agentBuilder } from './agents-fixture.js';
import { client } from './client.js';
import { startTestServer } from './harness.js';

/** A test server (with `clock` when given) and its first admin signed in. */
async function start(clock?: Clock) {
  const server = await startTestServer(clock ? { clock } : {});
  const api = client(server);
  const admin = await api.login(server.admin.email, server.admin.password);
  const session = (await api.get('/v1/auth/session', admin)).body;
  const newAgent = agentBuilder(api, admin, 'crd-agent');
  /** Data builder: issues a credential (a client secret unless `body` says otherwise) and returns the answer. */
  const issue = async (agentId: string, body: Record<string, unknown> = {}, token = admin) => {
    const r = await api.post(`/v1/agents/${agentId}/credentials`, { type: 'client_secret', ...body }, token);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  };
  return {
    server,
    api,
    admin,
    adminId: session.user.id as string,
    orgId: session.org.id as string,
    newAgent,
    issue,
    services: server.runtime.services,
  };
}

type Started = Awaited<ReturnType<typeof start>>;

/** Starts a server before the file's tests and closes it after; the object is filled in by then. */
export function useCredentialsServer(clock?: Clock): Started {
  const t = {} as Started;
  beforeAll(async () => {
    Object.assign(t, await start(clock));
  });
  afterAll(() => t.server?.close());
  return t;
}

/** A public signing JWK (and, for tests of refusals, its private form). */
export function signingJwk(type: 'ed25519' | 'ec' = 'ed25519') {
  const { publicKey, privateKey } =
    type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    publicJwk: publicKey.export({ format: 'jwk' }) as Record<string, unknown>,
    privateJwk: privateKey.export({ format: 'jwk' }) as Record<string, unknown>,
  };
}
