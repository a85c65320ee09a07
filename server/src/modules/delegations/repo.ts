import type { Insertable } from 'kysely';
import type { Q } from '../../platform/db/database.js';
import type { DelegationsTable, SubjectType } from './tables.js';

export interface DelegationFilters {
  actor_agent_id?: string | undefined;
  subject_id?: string | undefined;
  status?: 'active' | 'expired' | 'revoked' | undefined;
}

/** SQL for delegation grants. Tenant queries filter by org even though RLS also does. */
export const delegationsRepo = {
  insert: (q: Q, row: Insertable<DelegationsTable>) =>
    q.insertInto('delegations').values(row).returningAll().executeTakeFirstOrThrow(),

  get: (q: Q, orgId: string, id: string, opts: { forUpdate?: boolean } = {}) => {
    const query = q.selectFrom('delegations').selectAll().where('org_id', '=', orgId).where('id', '=', id);
    return (opts.forUpdate ? query.forUpdate() : query).executeTakeFirst();
  },

  list: (
    q: Q,
    orgId: string,
    f: DelegationFilters,
    p: { after?: string | undefined; limit: number },
    now: Date,
  ) => {
    let query = q
      .selectFrom('delegations')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('id')
      .limit(p.limit);
    if (p.after) query = query.where('id', '>', p.after);
    if (f.actor_agent_id) query = query.where('actor_agent_id', '=', f.actor_agent_id);
    if (f.subject_id) query = query.where('subject_id', '=', f.subject_id);
    if (f.status === 'revoked') query = query.where('revoked_at', 'is not', null);
    if (f.status === 'expired') query = query.where('revoked_at', 'is', null).where('expires_at', '<=', now);
    if (f.status === 'active') {
      query = query
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
    }
    return query.execute();
  },

  /** The live grants letting `actor` act for the subject; the widest depth first. */
  active: (q: Q, orgId: string, actor: string, subjectType: SubjectType, subjectId: string, now: Date) =>
    q
      .selectFrom('delegations')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('actor_agent_id', '=', actor)
      .where('subject_type', '=', subjectType)
      .where('subject_id', '=', subjectId)
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .orderBy('max_depth', 'desc')
      .execute(),

  revoke: (q: Q, orgId: string, id: string, at: Date) =>
    q
      .updateTable('delegations')
      .set({ revoked_at: at })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow(),
};
