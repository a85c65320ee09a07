import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './client.js';
import { startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let api: ReturnType<typeof client>;
let token: string;

beforeAll(async () => {
  server = await startTestServer({
    env: { GATEHOUSE_BODY_LIMIT_BYTES: '2048', GATEHOUSE_CORS_ORIGINS: 'https://app.example' },
  });
  api = client(server);
  token = await api.login(server.admin.email, server.admin.password);
});
afterAll(() => server.close());

const expectProblem = (r: { status: number; headers: Headers; body: any }, status: number, code: string) => {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.body).toMatchObject({ status, code, type: `urn:gatehouse:problem:${code}` });
  expect(r.body.request_id).toBe(r.headers.get('x-request-id'));
};

describe('errors are problem+json with stable codes', () => {
  it('400 names the failing field', async () => {
    const r = await api.post('/v1/invitations', { email: 'not-an-email', role: 'member' }, token);
    expectProblem(r, 400, 'validation_failed');
    expect(r.body.errors).toEqual([expect.objectContaining({ field: 'body.email' })]);
  });

  it('400 rejects unknown body fields by name', async () => {
    const r = await api.post(
      '/v1/invitations',
      { email: 'a@example.com', role: 'member', admin: true },
      token,
    );
    expectProblem(r, 400, 'validation_failed');
    expect(r.body.errors).toEqual([{ field: 'body.admin', message: 'is not a known field' }]);
  });

  it('400 on malformed JSON, and nothing is created', async () => {
    const r = await api.call('POST', '/v1/invitations', { token, body: '{"email": "x@example.com",' });
    expectProblem(r, 400, 'malformed_json');
    const list = await api.get('/v1/invitations', token);
    expect(list.body.items).toEqual([]);
  });

  it('415 on a non-JSON body', async () => {
    const r = await api.call('POST', '/v1/auth/login', {
      body: 'email=a',
      headers: { 'content-type': 'text/plain' },
    });
    expectProblem(r, 415, 'unsupported_media_type');
  });

  it('413 on a body over the limit', async () => {
    const r = await api.post('/v1/auth/login', { email: 'a@example.com', password: 'x'.repeat(4000) });
    expectProblem(r, 413, 'body_too_large');
  });

  it('404 on an unknown route', async () => {
    expectProblem(await api.get('/v1/nothing-here'), 404, 'route_not_found');
  });

  it('401 without a session, 401 with a forged one', async () => {
    expectProblem(await api.get('/v1/users'), 401, 'unauthenticated');
    expectProblem(await api.get('/v1/users', `ghs_${'A'.repeat(43)}`), 401, 'unauthenticated');
  });

  it('keeps a sane caller request id and replaces a hostile one', async () => {
    const kept = await api.call('GET', '/healthz', { headers: { 'x-request-id': 'trace-123' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-123');
    const replaced = await api.call('GET', '/healthz', { headers: { 'x-request-id': 'bad id\u00e9' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^req_/);
  });
});

describe('HTTP hygiene', () => {
  it('sends security headers', async () => {
    const r = await api.get('/healthz');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(r.headers.get('strict-transport-security')).toBeTruthy();
  });

  it('answers CORS only for configured origins', async () => {
    const ok = await api.call('OPTIONS', '/v1/users', {
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
    });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const other = await api.call('GET', '/healthz', { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('publishes an OpenAPI document generated from the routes, and a reference page', async () => {
    const doc = await api.get('/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    const login = doc.body.paths['/v1/auth/login'].post;
    expect(login.requestBody.content['application/json'].schema.required).toEqual(['email', 'password']);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/v1/users', '/v1/users/{id}', '/v1/invitations', '/healthz', '/readyz']),
    );
    const page = await api.get('/docs/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
  });

  it('never leaks internals on a 500', async () => {
    // Storage failing under a request is the realistic internal error.
    const s = await startTestServer();
    const c = client(s);
    const t = await c.login(s.admin.email, s.admin.password);
    await s.runtime.db.close();
    const r = await c.get('/v1/users', t);
    expectProblem(r, 500, 'internal_error');
    expect(JSON.stringify(r.body)).not.toMatch(/stack|pglite|postgres|kysely|at \w+ \(/i);
    await s.close();
  });
});

// `npm test` builds the console first; a bare `vitest run` on a fresh clone may not have.
const consoleBuilt = existsSync(new URL('../../console/dist/index.html', import.meta.url));

describe.skipIf(!consoleBuilt)('console files', () => {
  it('redirects / to the console and serves the app for client-side routes', async () => {
    const root = await fetch(`${server.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console/');
    for (const path of ['/console/', '/console/users', '/console/accept-invite']) {
      const r = await api.get(path);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain('text/html');
      expect(r.body).toContain('<div id="root">');
    }
  });

  it('answers 404, not the app, for a missing asset', async () => {
    const r = await api.get('/console/assets/index-old.js');
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
