// Real activity for the audit, compliance and analytics browser tests: an agent with a client secret, tokens
// issued to it through /oauth/token, and requests the token endpoint refuses after the client authenticated
// (so the refusal is recorded in the org, not outside it).
import type { client } from '../../server/test/client.js';

type Http = ReturnType<typeof client>;

export interface AgentActivity {
  agentId: string;
  clientId: string;
  /** Issues a token (client credentials); resolves once it is answered, so its record is written. */
  issue(): Promise<void>;
  /** Asks for a scope the agent may not have: refused with `invalid_scope`. */
  refuse(): Promise<void>;
}

export async function agentActivity(
  http: Http,
  adminToken: string,
  name: string,
  settings: Record<string, unknown> = {},
): Promise<AgentActivity> {
  const agent = await http.post(
    '/v1/agents',
    { name, allowed_scopes: ['reports:read'], ...settings },
    adminToken,
  );
  if (agent.status !== 201) throw new Error(`agent: ${agent.status} ${JSON.stringify(agent.body)}`);
  const cred = await http.post(
    `/v1/agents/${agent.body.id}/credentials`,
    { type: 'client_secret' },
    adminToken,
  );
  if (cred.status !== 201) throw new Error(`credential: ${cred.status} ${JSON.stringify(cred.body)}`);
  const { client_id, client_secret } = cred.body as { client_id: string; client_secret: string };
  const token = (scope: string) =>
    http.call('POST', '/oauth/token', {
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id,
        client_secret,
        scope,
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  return {
    agentId: agent.body.id,
    clientId: client_id,
    async issue() {
      const r = await token('reports:read');
      if (r.status !== 200) throw new Error(`token: ${r.status} ${JSON.stringify(r.body)}`);
    },
    async refuse() {
      const r = await token('admin:everything');
      if (r.status !== 400 || r.body.error !== 'invalid_scope') {
        throw new Error(`expected invalid_scope: ${r.status} ${JSON.stringify(r.body)}`);
      }
    },
  };
}
