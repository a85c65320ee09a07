import type { Insertable, Updateable } from 'kysely';
import type { Q } from '../../platform/db/database.js';
import type { CommandSigningKeysTable, CommandSigningPoliciesTable } from './tables.js';

/** SQL for signing keys and policies. Tenant queries filter by org even though RLS also does. */
export const signingRepo = {
  insertKey: (q: Q, row: Insertable<CommandSigningKeysTable>) =>
    q.insertInto('command_signing_keys').values(row).returningAll().executeTakeFirstOrThrow(),

  /** One key of one agent; `forUpdate` serializes a rotation against a revocation. */
  getKey: (q: Q, orgId: string, agentId: string, id: string, opts: { forUpdate?: boolean } = {}) => {
    const query = q
      .selectFrom('command_signing_keys')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('agent_id', '=', agentId)
      .where('id', '=', id);
    return (opts.forUpdate ? query.forUpdate() : query).executeTakeFirst();
  },

  /** By id within an org, whatever its agent: what a signature names. */
  findKey: (q: Q, orgId: string, id: string) =>
    q
      .selectFrom('command_signing_keys')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst(),

  /** A page of the agent's keys in id (creation) order, after the id `after`. */
  listKeys: (q: Q, orgId: string, agentId: string, p: { after?: string | undefined; limit: number }) => {
    let query = q
      .selectFrom('command_signing_keys')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('agent_id', '=', agentId)
      .orderBy('id')
      .limit(p.limit);
    if (p.after) query = query.where('id', '>', p.after);
    return query.execute();
  },

  /** How many of the agent's keys still work at `now` (not revoked, not expired). */
  countLive: async (q: Q, orgId: string, agentId: string, now: Date) => {
    const row = await q
      .selectFrom('command_signing_keys')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('org_id', '=', orgId)
      .where('agent_id', '=', agentId)
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  updateKey: (q: Q, orgId: string, id: string, patch: Updateable<CommandSigningKeysTable>) =>
    q
      .updateTable('command_signing_keys')
      .set(patch)
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow(),

  /** Records a use, unless one was recorded since `notBefore` (by this node or another). */
  touchKey: (q: Q, orgId: string, id: string, at: Date, notBefore: Date) =>
    q
      .updateTable('command_signing_keys')
      .set({ last_used_at: at })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', notBefore)]))
      .execute(),

  getPolicy: (q: Q, orgId: string, agentId: string) =>
    q
      .selectFrom('command_signing_policies')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('agent_id', '=', agentId)
      .executeTakeFirst(),

  upsertPolicy: (q: Q, row: Insertable<CommandSigningPoliciesTable>) =>
    q
      .insertInto('command_signing_policies')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['org_id', 'agent_id']).doUpdateSet({
          required: row.required,
          actions: row.actions,
          updated_by: row.updated_by,
          updated_at: row.updated_at,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow(),
};
