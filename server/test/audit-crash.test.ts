import { describe, expect, it } from 'vitest';
import { cli } from './cli-fixture.js';
import { client } from './client.js';

const ADMIN = { email: 'crash-admin@example.com', password: 'crash admin password 1' };
const { startNode } = cli('audit-crash', () => ({
  GATEHOUSE_ADMIN_EMAIL: ADMIN.email,
  GATEHOUSE_ADMIN_PASSWORD: ADMIN.password,
}));

const jtiOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).jti as string;

/**
 * A node killed with SIGKILL in the middle of issuing tokens loses no acknowledged issuance: every
 * token a client received has its token.issued record after the restart, and the chain verifies.
 */
describe('a crash under load', () => {
  it('loses no acknowledged audit record and leaves a chain that verifies', async () => {
    let node = await startNode();
    let api = client(node);
    const admin = await api.login(ADMIN.email, ADMIN.password);
    const agent = await api.post('/v1/agents', { name: 'crash-bot', allowed_scopes: ['x:read'] }, admin);
    const cred = await api.post(`/v1/agents/${agent.body.id}/credentials`, { type: 'client_secret' }, admin);
    expect(cred.status, JSON.stringify(cred.body)).toBe(201);
    const authorization = `Basic ${Buffer.from(`${cred.body.client_id}:${cred.body.client_secret}`).toString('base64')}`;

    const acknowledged: string[] = [];
    let crashed = false;
    const worker = async () => {
      while (!crashed) {
        try {
          const r = await fetch(`${node.url}/oauth/token`, {
            method: 'POST',
            headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
            body: 'grant_type=client_credentials',
          });
          const body = (await r.json()) as { access_token?: string };
          if (r.status === 200 && body.access_token) acknowledged.push(jtiOf(body.access_token));
        } catch {
          // The connection died with the node: that request was never acknowledged.
        }
      }
    };
    const load = Promise.all(Array.from({ length: 16 }, worker));
    // Kill it only once it is busy, so batches are in flight when it dies.
    while (acknowledged.length < 300) await new Promise((r) => setTimeout(r, 20));
    await node.crash();
    crashed = true;
    await load;

    node = await startNode();
    api = client(node);
    const again = await api.login(ADMIN.email, ADMIN.password);
    const verified = await api.get('/v1/audit/verify', again);
    expect(verified.body, JSON.stringify(verified.body)).toMatchObject({ ok: true, break: null });

    const recorded = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: { body: { items: { target: { id: string } }[]; next_cursor: string | null } } =
        await api.get(`/v1/audit?action=token.issued&limit=200${cursor ? `&cursor=${cursor}` : ''}`, again);
      for (const e of page.body.items) recorded.add(e.target.id);
      cursor = page.body.next_cursor;
    } while (cursor);
    const lost = acknowledged.filter((jti) => !recorded.has(jti));
    expect(lost, `${lost.length} of ${acknowledged.length} acknowledged tokens lost their record`).toEqual(
      [],
    );
    await node.stop();
  }, 180_000);
});
