import { type Insertable, sql } from 'kysely';
import type { Q } from '../../platform/db/database.js';
import type { InitialAccessTokensTable } from './tables.js';

/** SQL for registration settings and initial access tokens. Tenant queries filter by org too. */
export const registrationRepo = {
  settings: (q: Q, orgId: string) =>
    q.selectFrom('registration_settings').selectAll().where('org_id', '=', orgId).executeTakeFirst(),

  saveSettings: (
    q: Q,
    row: {
      org_id: string;
      enabled: boolean;
      default_scopes: string[];
      updated_by: string | null;
      updated_at: Date;
    },
  ) =>
    q
      .insertInto('registration_settings')
      .values(row)
      .onConflict((oc) =>
        oc.column('org_id').doUpdateSet({
          enabled: row.enabled,
          default_scopes: row.default_scopes,
          updated_by: row.updated_by,
          updated_at: row.updated_at,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow(),

  insertToken: (q: Q, row: Insertable<InitialAccessTokensTable>) =>
    q.insertInto('initial_access_tokens').values(row).returningAll().executeTakeFirstOrThrow(),

  /** A page of the org's tokens in id (creation) order, after the id `after`. */
  listTokens: (q: Q, orgId: string, p: { after?: string | undefined; limit: number }) => {
    let query = q
      .selectFrom('initial_access_tokens')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('id')
      .limit(p.limit);
    if (p.after) query = query.where('id', '>', p.after);
    return query.execute();
  },

  getToken: (q: Q, orgId: string, id: string) =>
    q
      .selectFrom('initial_access_tokens')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst(),

  revokeToken: (q: Q, orgId: string, id: string, at: Date) =>
    q
      .updateTable('initial_access_tokens')
      .set({ revoked_at: at })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow(),

  /**
   * By hash, across orgs: run on `db.system` (the owner, RLS bypassed), because the token is all a
   * registration request carries before it is authenticated; the row names the org.
   */
  findByHash: (q: Q, hash: string) =>
    q.selectFrom('initial_access_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst(),

  /**
   * Counts one use if the token is still live at `now`, in one conditional update: two requests
   * racing for the last use cannot both get it. Undefined when the token is no longer usable.
   */
  consume: (q: Q, orgId: string, id: string, now: Date) =>
    q
      .updateTable('initial_access_tokens')
      .set({ uses: sql`uses + 1` })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .where((eb) => eb.or([eb('max_uses', 'is', null), eb('uses', '<', eb.ref('max_uses'))]))
      .returningAll()
      .executeTakeFirst(),
};
