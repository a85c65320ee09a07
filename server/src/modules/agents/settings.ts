import { isDeepStrictEqual } from 'node:util';
import type { Updateable } from 'kysely';
import type { UpdateAgentInput } from './schema.js';
import type { Agent, AgentsTable } from './tables.js';

/** Scopes are a set: stored deduplicated and sorted, so equal sets compare equal. */
export const uniqueSorted = (scopes: string[]) => [...new Set(scopes)].sort();

const differs = (current: unknown, wanted: unknown) =>
  wanted !== undefined && !isDeepStrictEqual(current, wanted);

/**
 * The settings of `input` that differ from the agent's: their API names (for the audit
 * record) and the column values to write. Values equal to the current ones are no change.
 */
export function settingChanges(before: Agent, input: UpdateAgentInput) {
  const scopes = input.allowed_scopes && uniqueSorted(input.allowed_scopes);
  const ttl = input.token_ttl_seconds;
  const candidates: [field: string, changed: boolean, columns: Updateable<AgentsTable>][] = [
    ['display_name', differs(before.display_name, input.display_name), { display_name: input.display_name }],
    ['description', differs(before.description, input.description), { description: input.description }],
    ['owner', differs(before.owner_user_id, input.owner), { owner_user_id: input.owner }],
    ['allowed_scopes', differs(before.allowed_scopes, scopes), { allowed_scopes: scopes }],
    ['token_ttl_seconds', differs(before.token_ttl_seconds, ttl), { token_ttl_seconds: ttl }],
    ['metadata', differs(before.metadata, input.metadata), { metadata: JSON.stringify(input.metadata) }],
  ];
  const changed = candidates.filter(([, isChanged]) => isChanged);
  return {
    fields: changed.map(([field]) => field),
    patch: Object.assign({}, ...changed.map(([, , columns]) => columns)) as Updateable<AgentsTable>,
  };
}
