import type { Insertable, Updateable } from 'kysely';
import type { Q } from '../../platform/db/database.js';
import type { CredentialsTable } from './tables.js';

/** SQL for credentials. Tenant queries filter by org even though RLS also does. */
export const credentialsRepo = {
  insert: (q: Q, row: Insertable<CredentialsTable>) =>
    q.insertInto('credentials').values(row).returningAll().executeTakeFirstOrThrow(),

  /** One credential of one agent; `forUpdate` serializes a rotation against a revocation. */
  get: (q: Q, orgId: string, agentId: string, id: string, opts: { forUpdate?: boolean } = {}) => {
    const query = q
      .selectFrom('credentials')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('agent_id', '=', agentId)
      .where('id', '=', id);
    return (opts.forUpdate ? query.forUpdate() : query).executeTakeFirst();
  },

  /** A page of the agent's credentials in id (creation) order, after the id `after`. */
  listOfAgent: (q: Q, orgId: string, agentId: string, p: { after?: string | undefined; limit: number }) => {
    let query = q
      .selectFrom('credentials')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('agent_id', '=', agentId)
      .orderBy('id')
      .limit(p.limit);
    if (p.after) query = query.where('id', '>', p.after);
    return query.execute();
  },

  update: (q: Q, orgId: string, id: string, patch: Updateable<CredentialsTable>) =>
    q
      .updateTable('credentials')
      .set(patch)
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow(),

  /**
   * By OAuth client id, across orgs: run on `db.system` (the owner, RLS bypassed), because the
   * client id is all a token request knows before it is authenticated; the row names the org.
   */
  findByClientId: (q: Q, clientId: string) =>
    q.selectFrom('credentials').selectAll().where('client_id', '=', clientId).executeTakeFirst(),

  /** By API key prefix, across orgs: on `db.system` for the same reason as findByClientId. */
  findByKeyPrefix: (q: Q, prefix: string) =>
    q.selectFrom('credentials').selectAll().where('key_prefix', '=', prefix).executeTakeFirst(),

  /** By id within an org (the org is known: a token names it). */
  findById: (q: Q, orgId: string, id: string) =>
    q
      .selectFrom('credentials')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst(),

  /** Records a use, unless one was recorded since `notBefore` (by this node or another). */
  touch: (q: Q, orgId: string, id: string, at: Date, notBefore: Date) =>
    q
      .updateTable('credentials')
      .set({ last_used_at: at })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', notBefore)]))
      .execute(),
};
