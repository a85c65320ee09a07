import type { Q } from '../../platform/db/database.js';

export const sessionsRepo = {
  insert: (
    q: Q,
    s: {
      id: string;
      user_id: string;
      org_id: string;
      token_hash: string;
      expires_at: Date;
      ip: string | null;
      user_agent: string | null;
    },
  ) => q.insertInto('sessions').values(s).returningAll().executeTakeFirstOrThrow(),

  /** A live session with the role its user holds in the session's org; none once removed. */
  findLive: (q: Q, tokenHash: string, now: Date) =>
    q
      .selectFrom('sessions as s')
      .innerJoin('memberships as m', (join) =>
        join.onRef('m.org_id', '=', 's.org_id').onRef('m.user_id', '=', 's.user_id'),
      )
      .select(['s.id', 's.user_id', 's.org_id', 's.expires_at', 's.last_seen_at', 'm.role'])
      .where('s.token_hash', '=', tokenHash)
      .where('s.revoked_at', 'is', null)
      .where('s.expires_at', '>', now)
      .executeTakeFirst(),

  touch: (q: Q, id: string, at: Date) =>
    q.updateTable('sessions').set({ last_seen_at: at }).where('id', '=', id).execute(),

  setOrg: (q: Q, id: string, orgId: string) =>
    q.updateTable('sessions').set({ org_id: orgId }).where('id', '=', id).execute(),

  revoke: (q: Q, userId: string, id: string, at: Date) =>
    q
      .updateTable('sessions')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .returning(['id', 'org_id'])
      .executeTakeFirst(),

  revokeAllBut: (q: Q, userId: string, keepId: string, at: Date) =>
    q
      .updateTable('sessions')
      .set({ revoked_at: at })
      .where('user_id', '=', userId)
      .where('id', '!=', keepId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst(),

  listLive: (q: Q, userId: string, now: Date) =>
    q
      .selectFrom('sessions')
      .select(['id', 'org_id', 'created_at', 'last_seen_at', 'expires_at', 'ip', 'user_agent'])
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('id', 'desc')
      .execute(),
};
