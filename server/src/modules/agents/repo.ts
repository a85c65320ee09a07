import type { Insertable, Updateable } from 'kysely';
import type { Q } from '../../platform/db/database.js';
import type { AgentFilters } from './schema.js';
import type { AgentsTable, AgentVersionsTable } from './tables.js';

/** SQL for agents and their versions. Every query filters by org even though RLS also does. */
export const agentsRepo = {
  insert: (q: Q, row: Insertable<AgentsTable>) =>
    q.insertInto('agents').values(row).returningAll().executeTakeFirstOrThrow(),

  /** `forUpdate` serializes concurrent changes to one agent (version numbering relies on it). */
  get: (q: Q, orgId: string, id: string, opts: { forUpdate?: boolean } = {}) => {
    const query = q.selectFrom('agents').selectAll().where('org_id', '=', orgId).where('id', '=', id);
    return (opts.forUpdate ? query.forUpdate() : query).executeTakeFirst();
  },

  /** Archived agents do not hold their name (as the partial unique index says). */
  nameInUse: async (q: Q, orgId: string, name: string) =>
    !!(await q
      .selectFrom('agents')
      .select('id')
      .where('org_id', '=', orgId)
      .where('name', '=', name)
      .where('status', '<>', 'archived')
      .executeTakeFirst()),

  /** A page in id (creation) order; archived agents only when asked for by status. */
  list: (q: Q, orgId: string, f: AgentFilters & { after?: string | undefined; limit: number }) => {
    let query = q.selectFrom('agents').selectAll().where('org_id', '=', orgId).orderBy('id').limit(f.limit);
    query = f.status ? query.where('status', '=', f.status) : query.where('status', '<>', 'archived');
    if (f.owner) query = query.where('owner_user_id', '=', f.owner);
    // The prefix is validated to [a-z0-9-], so it holds no LIKE wildcard to escape.
    if (f.name_prefix) query = query.where('name', 'like', `${f.name_prefix}%`);
    if (f.after) query = query.where('id', '>', f.after);
    return query.execute();
  },

  update: (q: Q, orgId: string, id: string, patch: Updateable<AgentsTable>) =>
    q
      .updateTable('agents')
      .set(patch)
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow(),

  insertVersion: (q: Q, row: Insertable<AgentVersionsTable>) =>
    q.insertInto('agent_versions').values(row).returningAll().executeTakeFirstOrThrow(),

  lastVersionNumber: async (q: Q, orgId: string, agentId: string) =>
    (
      await q
        .selectFrom('agent_versions')
        .select((eb) => eb.fn.max('version').as('last'))
        .where('org_id', '=', orgId)
        .where('agent_id', '=', agentId)
        .executeTakeFirst()
    )?.last ?? 0,

  versionsByIds: (q: Q, orgId: string, ids: string[]) =>
    ids.length
      ? q
          .selectFrom('agent_versions')
          .selectAll()
          .where('org_id', '=', orgId)
          .where('id', 'in', ids)
          .execute()
      : Promise.resolve([]),

  /** Newest first; `before` is the id of the last version of the previous page. */
  listVersions: (q: Q, orgId: string, agentId: string, p: { before?: string | undefined; limit: number }) => {
    let query = q
      .selectFrom('agent_versions')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('agent_id', '=', agentId)
      .orderBy('version', 'desc')
      .limit(p.limit);
    if (p.before) {
      const before = p.before;
      query = query.where('version', '<', (eb) =>
        eb
          .selectFrom('agent_versions')
          .select('version')
          .where('id', '=', before)
          .where('agent_id', '=', agentId),
      );
    }
    return query.execute();
  },

  getVersion: (q: Q, orgId: string, agentId: string, version: number) =>
    q
      .selectFrom('agent_versions')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('agent_id', '=', agentId)
      .where('version', '=', version)
      .executeTakeFirst(),
};
