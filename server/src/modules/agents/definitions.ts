import { isDeepStrictEqual } from 'node:util';
import type { Trx } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { agentsRepo as repo } from './repo.js';
import type { Definition } from './schema.js';
import type { Agent, AgentVersion } from './tables.js';

/** Tool lists are sets in meaning; duplicates are dropped, the caller's order kept. */
const normalize = (d: Definition): Definition => ({ ...d, tools: [...new Set(d.tools)] });

const sameDefinition = (v: AgentVersion, d: Definition) =>
  v.instructions === d.instructions && v.model === d.model && isDeepStrictEqual(v.tools, d.tools);

/** The current version of each agent, keyed by version id. */
export async function currentVersions(trx: Trx, orgId: string, agents: Agent[]) {
  const ids = agents.flatMap((a) => (a.current_version_id ? [a.current_version_id] : []));
  return new Map((await repo.versionsByIds(trx, orgId, ids)).map((v) => [v.id, v]));
}

/** The agent with its current definition inline, as the presenter wants it. */
export async function withDefinition(trx: Trx, agent: Agent) {
  const versions = await currentVersions(trx, agent.org_id, [agent]);
  return { ...agent, definition: versions.get(agent.current_version_id ?? '') ?? null };
}

/**
 * Writes `definition` as the agent's next immutable version, numbered after the last one.
 * Returns null when it equals the current version: an identical definition is not a change.
 * The caller holds the agent's row lock, so two writers cannot take the same number.
 */
export async function nextVersion(
  trx: Trx,
  agent: Agent,
  definition: Definition,
  createdBy: string | null,
): Promise<AgentVersion | null> {
  const wanted = normalize(definition);
  if (agent.current_version_id) {
    const current = (await currentVersions(trx, agent.org_id, [agent])).get(agent.current_version_id);
    if (current && sameDefinition(current, wanted)) return null;
  }
  const last = await repo.lastVersionNumber(trx, agent.org_id, agent.id);
  return repo.insertVersion(trx, {
    id: newId('agv'),
    org_id: agent.org_id,
    agent_id: agent.id,
    version: Number(last) + 1,
    instructions: wanted.instructions,
    model: wanted.model,
    tools: wanted.tools,
    created_by: createdBy,
  });
}
