import { client } from '../../server/test/client.js';
import type { TestServer } from '../../server/test/harness.js';

/** Agents and credentials made through the HTTP API, as an admin would. */
export async function agentFixture(server: TestServer) {
  const api = client(server);
  const admin = await api.login(server.admin.email, server.admin.password);
  return {
    api,
    admin,
    async agent(name: string, body: Record<string, unknown> = {}): Promise<string> {
      const r = await api.post(
        '/v1/agents',
        { name, allowed_scopes: ['invoices:read', 'invoices:write'], ...body },
        admin,
      );
      if (r.status !== 201) throw new Error(`agent: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.id;
    },
    async credential<T = { id: string; client_id: string; client_secret: string }>(
      agentId: string,
      body: Record<string, unknown> = { type: 'client_secret' },
    ): Promise<T> {
      const r = await api.post(`/v1/agents/${agentId}/credentials`, body, admin);
      if (r.status !== 201) throw new Error(`credential: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
  };
}

/** A fetch that records each request's method and path, for counting what the SDK sends. */
export function countingFetch(inner: typeof fetch = fetch) {
  const calls: { method: string; path: string; headers: Headers; body: string }[] = [];
  const wrapped: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    calls.push({
      method: init?.method ?? 'GET',
      path: url.pathname,
      headers: new Headers(init?.headers),
      body:
        typeof init?.body === 'string'
          ? init.body
          : init?.body instanceof URLSearchParams
            ? init.body.toString()
            : '',
    });
    return inner(input, init);
  };
  return {
    fetch: wrapped,
    calls,
    tokenRequests: () => calls.filter((c) => c.path === '/oauth/token'),
  };
}
