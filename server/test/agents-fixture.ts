import { afterAll, beforeAll, expect } from 'vitest';
import { client } from './client.js';
import { startTestServer } from './harness.js';

/** A test server with its first admin signed in: where the agents test files start. */
export async function startWithAdmin() {
  const server = await startTestServer();
  const api = client(server);
  const admin = await api.login(server.admin.email, server.admin.password);
  const session = (await api.get('/v1/auth/session', admin)).body;
  return { server, api, admin, adminId: session.user.id as string, orgId: session.org.id as string };
}

/** Data builder: creates agents with unique names (`prefix-1`, `prefix-2`, …) unless named. */
export function agentBuilder(api: ReturnType<typeof client>, defaultToken: string, prefix = 'agent') {
  let n = 0;
  return async (body: Record<string, unknown> = {}, token = defaultToken) => {
    const r = await api.post('/v1/agents', { name: `${prefix}-${++n}`, ...body }, token);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  };
}

type Started = Awaited<ReturnType<typeof startWithAdmin>>;

/**
 * Starts a server with its admin signed in before the file's tests and closes it after; the
 * returned object is filled in by then.
 */
export function useAgentsServer(): Started & { newAgent: ReturnType<typeof agentBuilder> } {
  const t = {} as Started & { newAgent: ReturnType<typeof agentBuilder> };
  beforeAll(async () => {
    Object.assign(t, await startWithAdmin());
    t.newAgent = agentBuilder(t.api, t.admin);
  });
  afterAll(() => t.server?.close());
  return t;
}
