import type { Q } from '../../platform/db/database.js';
import type { Role } from '../../platform/db/tables.js';

export const invitationsRepo = {
  insert: (
    q: Q,
    i: {
      id: string;
      org_id: string;
      email: string;
      role: Role;
      token_hash: string;
      invited_by: string;
      expires_at: Date;
    },
  ) => q.insertInto('invitations').values(i).returningAll().executeTakeFirstOrThrow(),

  /** Pending: neither accepted, revoked nor expired. */
  pending: (q: Q, orgId: string, now: Date) =>
    q
      .selectFrom('invitations')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now),

  revokePendingFor: (q: Q, orgId: string, email: string, at: Date) =>
    q
      .updateTable('invitations')
      .set({ revoked_at: at })
      .where('org_id', '=', orgId)
      .where('email', '=', email)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .execute(),

  revoke: (q: Q, orgId: string, id: string, at: Date) =>
    q
      .updateTable('invitations')
      .set({ revoked_at: at })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .returning(['id', 'email'])
      .executeTakeFirst(),

  /** Looked up by token before any org is known, hence on the owner connection. */
  byTokenHash: (q: Q, tokenHash: string) =>
    q
      .selectFrom('invitations as i')
      .innerJoin('orgs as o', 'o.id', 'i.org_id')
      .select([
        'i.id',
        'i.org_id',
        'i.email',
        'i.role',
        'i.expires_at',
        'i.accepted_at',
        'i.revoked_at',
        'o.name as org_name',
        'o.slug as org_slug',
      ])
      .where('i.token_hash', '=', tokenHash),

  /**
   * Locks a still-pending invitation for the accepting transaction. A concurrent accept of the
   * same link waits here, then finds it no longer pending.
   */
  claimPending: async (q: Q, id: string) =>
    !!(await q
      .selectFrom('invitations')
      .select('id')
      .where('id', '=', id)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .forUpdate()
      .executeTakeFirst()),

  /** Marks accepted only if still pending; false when another request got there first. */
  markAccepted: async (q: Q, id: string, userId: string, at: Date) =>
    (
      await q
        .updateTable('invitations')
        .set({ accepted_at: at, accepted_by: userId })
        .where('id', '=', id)
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
    ).numUpdatedRows === 1n,
};
