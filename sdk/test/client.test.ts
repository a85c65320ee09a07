import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/harness.js';
import { GatehouseClient, GatehouseError } from '../src/index.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('SDK client', () => {
  it('signs in and manages members', async () => {
    const gh = new GatehouseClient({ baseUrl: server.url });
    const me = await gh.login(server.admin.email, server.admin.password);
    expect(me.role).toBe('admin');
    const inv = await gh.invitations.create('sdk-user@example.com', 'viewer');
    expect((await gh.invitations.list()).items.map((i) => i.id)).toEqual([inv.id]);
    await gh.invitations.revoke(inv.id);
    expect((await gh.invitations.list()).items).toEqual([]);
    const page = await gh.users.list({ limit: 10 });
    expect(page.items.map((u) => u.email)).toEqual([server.admin.email]);
  });

  it('raises GatehouseError with the stable code', async () => {
    const gh = new GatehouseClient({ baseUrl: server.url });
    const err = await gh.login(server.admin.email, 'wrong password').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatehouseError);
    expect(err).toMatchObject({ status: 401, code: 'invalid_credentials' });
    const anon = await gh.session().catch((e: unknown) => e);
    expect(anon).toMatchObject({ status: 401, code: 'unauthenticated' });
  });

  it('logout forgets the session', async () => {
    const gh = new GatehouseClient({ baseUrl: server.url });
    await gh.login(server.admin.email, server.admin.password);
    await gh.logout();
    await expect(gh.session()).rejects.toMatchObject({ code: 'unauthenticated' });
  });
});
