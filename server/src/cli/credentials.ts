import {
  createCredentialBody,
  type Issued,
  presentIssued,
  presentRotated,
  rotateBody,
} from '../modules/credentials/schema.js';
import type { Org } from '../platform/db/tables.js';
import type { Runtime } from '../runtime.js';
import { cliCtx, command, fail, findOrg, orNotFound, parsed } from './org-context.js';

/**
 * The secret goes to stdout (so it can be piped into a secret store) and the warning to stderr
 * (so it does not end up there).
 */
function printSecret(issued: Issued, answer: Record<string, unknown>, json: boolean | undefined) {
  const secretName = issued.credential.type === 'api_key' ? 'API key' : 'client secret';
  if (json) {
    process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
  } else {
    for (const [k, v] of Object.entries(answer)) if (v !== null) process.stdout.write(`${k}: ${v}\n`);
  }
  process.stderr.write(`gatehouse: the ${secretName} above is shown once; it cannot be read again\n`);
}

/** The agent must be in the org; said before anything else, so a not-found names the right thing. */
async function assertAgent(rt: Runtime, org: Org, agentId: string) {
  if (!(await rt.services.agents.getRecord(org.id, agentId)))
    fail(`no agent ${agentId} in organization ${org.slug}`);
}

export const runCredentialsCreate = command(
  async (
    rt: Runtime,
    agentId: string,
    opts: { org: string; type: string; expiresAt?: string; json?: boolean },
  ) => {
    const org = await findOrg(rt, opts.org);
    const input = parsed(createCredentialBody, {
      type: opts.type,
      ...(opts.expiresAt !== undefined ? { expires_at: opts.expiresAt } : {}),
    });
    await assertAgent(rt, org, agentId);
    const issued = await rt.services.credentials.create(cliCtx(org.id), agentId, input);
    printSecret(issued, presentIssued(issued), opts.json);
  },
);

export const runCredentialsRotate = command(
  async (
    rt: Runtime,
    agentId: string,
    credentialId: string,
    opts: { org: string; grace?: string; json?: boolean },
  ) => {
    const org = await findOrg(rt, opts.org);
    const { grace_seconds } = parsed(
      rotateBody,
      opts.grace !== undefined ? { grace_seconds: Number(opts.grace) } : {},
    );
    await assertAgent(rt, org, agentId);
    const issued = await orNotFound(
      rt.services.credentials.rotate(cliCtx(org.id), agentId, credentialId, grace_seconds),
      `credential ${credentialId} of agent ${agentId}`,
      org,
    );
    printSecret(issued, presentRotated(issued), opts.json);
  },
);

export const runCredentialsRevoke = command(
  async (rt: Runtime, agentId: string, credentialId: string, opts: { org: string }) => {
    const org = await findOrg(rt, opts.org);
    await assertAgent(rt, org, agentId);
    await orNotFound(
      rt.services.credentials.revoke(cliCtx(org.id), agentId, credentialId),
      `credential ${credentialId} of agent ${agentId}`,
      org,
    );
    process.stdout.write(`revoked ${credentialId}\n`);
  },
);
