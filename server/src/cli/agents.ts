import { createAgentBody } from '../modules/agents/schema.js';
import type { AgentStatus } from '../modules/agents/tables.js';
import type { Runtime } from '../runtime.js';
import { cliCtx, command, findOrg, findUser, firstAdmin, orNotFound, parsed } from './org-context.js';

const list = (csv: string | undefined) =>
  csv === undefined
    ? undefined
    : csv
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

export const runAgentsCreate = command(
  async (rt: Runtime, opts: { org: string; name: string; scopes?: string; ttl?: string; owner?: string }) => {
    const org = await findOrg(rt, opts.org);
    const owner = opts.owner ? await findUser(rt, opts.owner) : await firstAdmin(rt, org.id);
    const input = parsed(createAgentBody, {
      name: opts.name,
      owner,
      ...(opts.scopes !== undefined ? { allowed_scopes: list(opts.scopes) } : {}),
      ...(opts.ttl !== undefined ? { token_ttl_seconds: Number(opts.ttl) } : {}),
    });
    const agent = await rt.services.agents.create(cliCtx(org.id), input);
    process.stdout.write(
      `created ${agent.id} ${agent.name} in ${org.slug} (owner ${agent.owner_user_id}; scopes: ${
        agent.allowed_scopes.join(' ') || 'none'
      }; token ttl ${agent.token_ttl_seconds}s)\n`,
    );
  },
);

export const runAgentsList = command(async (rt: Runtime, opts: { org: string; status?: AgentStatus }) => {
  const org = await findOrg(rt, opts.org);
  const ctx = cliCtx(org.id);
  let cursor: string | undefined;
  let count = 0;
  do {
    const page = await rt.services.agents.list(ctx, {
      limit: 200,
      ...(opts.status ? { status: opts.status } : {}),
      ...(cursor ? { cursor } : {}),
    });
    for (const a of page.items) {
      count++;
      process.stdout.write(
        `${a.id}  ${a.name.padEnd(24)} ${a.status.padEnd(9)} ${a.allowed_scopes.join(' ')}\n`,
      );
    }
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  if (!count) process.stdout.write(`no agents in ${org.slug}\n`);
});

/** Suspending stops the agent's tokens at once; activating lets it get tokens again. */
export const runAgentsSetStatus = (status: 'active' | 'suspended') =>
  command(async (rt: Runtime, agentId: string, opts: { org: string }) => {
    const org = await findOrg(rt, opts.org);
    const agent = await orNotFound(
      rt.services.agents.update(cliCtx(org.id), agentId, { status }),
      `agent ${agentId}`,
      org,
    );
    process.stdout.write(`${agent.id} ${agent.name} is ${agent.status}\n`);
  });
