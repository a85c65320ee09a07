import type { Q } from '../../platform/db/database.js';
import type { Role } from '../../platform/db/tables.js';

/** SQL for orgs and memberships. Tenant queries filter by org even though RLS also does. */
export const orgsRepo = {
  insertOrg: (trx: Q, org: { id: string; name: string; slug: string }) =>
    trx.insertInto('orgs').values(org).returningAll().executeTakeFirstOrThrow(),

  slugTaken: async (trx: Q, slug: string) =>
    !!(await trx.selectFrom('orgs').select('id').where('slug', '=', slug).executeTakeFirst()),

  getOrg: (trx: Q, orgId: string) =>
    trx.selectFrom('orgs').selectAll().where('id', '=', orgId).executeTakeFirst(),

  updateOrg: (trx: Q, orgId: string, patch: { name: string }) =>
    trx
      .updateTable('orgs')
      .set({ ...patch, updated_at: new Date() })
      .where('id', '=', orgId)
      .returningAll()
      .executeTakeFirst(),

  insertMembership: (trx: Q, m: { org_id: string; user_id: string; role: Role }) =>
    trx.insertInto('memberships').values(m).execute(),

  /** Members joined with their user rows, in user-id order (creation order). */
  members: (trx: Q, orgId: string) =>
    trx
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select([
        'u.id',
        'u.email',
        'u.name',
        'u.last_login_at',
        'm.role',
        'm.created_at as joined_at',
        'm.org_id',
      ])
      .where('m.org_id', '=', orgId),

  membershipsOfUser: (trx: Q, userId: string) =>
    trx
      .selectFrom('memberships as m')
      .innerJoin('orgs as o', 'o.id', 'm.org_id')
      .select(['o.id', 'o.name', 'o.slug', 'm.role', 'm.created_at'])
      .where('m.user_id', '=', userId)
      .orderBy('m.created_at')
      .orderBy('o.id')
      .execute(),

  /** Locks the org's admin memberships, so two demotions cannot both pass the last-admin check. */
  lockAdmins: (trx: Q, orgId: string) =>
    trx
      .selectFrom('memberships')
      .select('user_id')
      .where('org_id', '=', orgId)
      .where('role', '=', 'admin')
      .forUpdate()
      .execute(),

  setRole: (trx: Q, orgId: string, userId: string, role: Role) =>
    trx
      .updateTable('memberships')
      .set({ role, updated_at: new Date() })
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .executeTakeFirst(),

  deleteMembership: (trx: Q, orgId: string, userId: string) =>
    trx.deleteFrom('memberships').where('org_id', '=', orgId).where('user_id', '=', userId).execute(),

  revokeSessionsInOrg: (trx: Q, orgId: string, userId: string, at: Date) =>
    trx
      .updateTable('sessions')
      .set({ revoked_at: at })
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute(),
};
