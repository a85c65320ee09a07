import { expect } from 'vitest';
import type { client } from './client.js';

type Api = ReturnType<typeof client>;

export const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** A form POST to an OAuth endpoint. */
export const formPost = (api: Api, path: string, params: Record<string, string>, headers = {}) =>
  api.call('POST', path, {
    body: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  });

export interface TestClient {
  agentId: string;
  credentialId: string;
  clientId: string;
  secret: string;
  /** HTTP Basic credentials of this client. */
  auth: { authorization: string };
  /** A fresh client_credentials token, asserting it was issued. */
  token(params?: Record<string, string>): Promise<string>;
}

/** Data builder: an agent (with `agent` settings) and a client secret for it, ready to get tokens. */
export function clientBuilder(api: Api, admin: string, prefix = 'oauth-agent') {
  let n = 0;
  return async (agent: Record<string, unknown> = {}, token = admin): Promise<TestClient> => {
    const a = await api.post('/v1/agents', { name: `${prefix}-${++n}`, ...agent }, token);
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    const c = await api.post(`/v1/agents/${a.body.id}/credentials`, { type: 'client_secret' }, token);
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    const auth = { authorization: basic(c.body.client_id, c.body.client_secret) };
    return {
      agentId: a.body.id,
      credentialId: c.body.id,
      clientId: c.body.client_id,
      secret: c.body.client_secret,
      auth,
      async token(params = {}) {
        const r = await formPost(api, '/oauth/token', { grant_type: 'client_credentials', ...params }, auth);
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        return r.body.access_token as string;
      },
    };
  };
}

/** The session of the founder (an admin) of a new org that `admin`'s org has no way into. */
export async function otherOrgAdmin(api: Api, admin: string, label: string) {
  const founder = await api.addMember(admin, `${label}-founder@example.com`, 'viewer');
  const org = await api.post('/v1/orgs', { name: `Org ${label}` }, founder.token);
  expect(org.status, JSON.stringify(org.body)).toBe(201);
  const switched = await api.call('PUT', '/v1/auth/session/org', {
    token: founder.token,
    body: { org_id: org.body.id },
  });
  expect(switched.status, JSON.stringify(switched.body)).toBe(200);
  return { token: founder.token as string, orgId: org.body.id as string };
}
