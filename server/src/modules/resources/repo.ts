import type { Insertable, Updateable } from 'kysely';
import type { Q } from '../../platform/db/database.js';
import type { ResourcesTable } from './tables.js';

/** SQL for registered resources. Every query filters by org even though RLS also does. */
export const resourcesRepo = {
  insert: (q: Q, row: Insertable<ResourcesTable>) =>
    q.insertInto('resources').values(row).returningAll().executeTakeFirstOrThrow(),

  /** `forUpdate` serializes an update against a concurrent delete of the same resource. */
  get: (q: Q, orgId: string, id: string, opts: { forUpdate?: boolean } = {}) => {
    const query = q.selectFrom('resources').selectAll().where('org_id', '=', orgId).where('id', '=', id);
    return (opts.forUpdate ? query.forUpdate() : query).executeTakeFirst();
  },

  /** The id registered for exactly this URI in the org (no normalisation: byte-for-byte). */
  idByUri: async (q: Q, orgId: string, uri: string) =>
    (
      await q
        .selectFrom('resources')
        .select('id')
        .where('org_id', '=', orgId)
        .where('uri', '=', uri)
        .executeTakeFirst()
    )?.id,

  /** A page in id (creation) order, after the id `after`. */
  list: (q: Q, orgId: string, p: { after?: string | undefined; limit: number }) => {
    let query = q
      .selectFrom('resources')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('id')
      .limit(p.limit);
    if (p.after) query = query.where('id', '>', p.after);
    return query.execute();
  },

  update: (q: Q, orgId: string, id: string, patch: Updateable<ResourcesTable>) =>
    q
      .updateTable('resources')
      .set(patch)
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow(),

  delete: (q: Q, orgId: string, id: string) =>
    q
      .deleteFrom('resources')
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst(),
};
