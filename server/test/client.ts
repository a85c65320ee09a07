import type { TestServer } from './harness.js';

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A small HTTP client over fetch for tests: JSON in, JSON (or text) out. */
export function client(server: Pick<TestServer, 'url'>) {
  async function call<T = any>(
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(server.url + path, {
      method,
      headers,
      ...(opts.body !== undefined
        ? { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) }
        : {}),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {}
    return { status: res.status, headers: res.headers, body: body as T };
  }

  return {
    call,
    get: <T = any>(path: string, token?: string) => call<T>('GET', path, token ? { token } : {}),
    post: <T = any>(path: string, body: unknown, token?: string) =>
      call<T>('POST', path, { body, ...(token ? { token } : {}) }),
    patch: <T = any>(path: string, body: unknown, token?: string) =>
      call<T>('PATCH', path, { body, ...(token ? { token } : {}) }),
    del: <T = any>(path: string, token?: string) => call<T>('DELETE', path, token ? { token } : {}),
    /** Signs in and returns the session token. */
    async login(email: string, password: string): Promise<string> {
      const r = await call('POST', '/v1/auth/login', { body: { email, password } });
      if (r.status !== 200) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.token;
    },
    /** Invites `email` with `role` as the holder of `token`, accepts, and returns the new member's token and id. */
    async addMember(token: string, email: string, role: string, password = 'member password 123') {
      const inv = await call('POST', '/v1/invitations', { token, body: { email, role } });
      if (inv.status !== 201) throw new Error(`invite failed: ${inv.status} ${JSON.stringify(inv.body)}`);
      const acc = await call('POST', '/v1/invitations/accept', { body: { token: inv.body.token, password } });
      if (acc.status !== 200) throw new Error(`accept failed: ${acc.status} ${JSON.stringify(acc.body)}`);
      return { token: acc.body.token as string, id: acc.body.user.id as string, password };
    },
  };
}
