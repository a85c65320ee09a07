import type { Q } from '../../platform/db/database.js';
import './tables.js';

/** SQL for rate-limit settings. Tenant queries filter by org even though RLS also does. */
export const rateLimitsRepo = {
  orgDefault: (q: Q, orgId: string) =>
    q.selectFrom('org_rate_limits').selectAll().where('org_id', '=', orgId).executeTakeFirst(),

  saveOrgDefault: (
    q: Q,
    row: { org_id: string; agent_rpm: number | null; updated_by: string | null; updated_at: Date },
  ) =>
    q
      .insertInto('org_rate_limits')
      .values(row)
      .onConflict((oc) =>
        oc.column('org_id').doUpdateSet({
          agent_rpm: row.agent_rpm,
          updated_by: row.updated_by,
          updated_at: row.updated_at,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow(),

  agentOverride: (q: Q, orgId: string, agentId: string, opts: { forUpdate?: boolean } = {}) => {
    const query = q
      .selectFrom('agent_rate_limits')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('agent_id', '=', agentId);
    return (opts.forUpdate ? query.forUpdate() : query).executeTakeFirst();
  },

  saveAgentOverride: (
    q: Q,
    row: { agent_id: string; org_id: string; rpm: number; updated_by: string | null; updated_at: Date },
  ) =>
    q
      .insertInto('agent_rate_limits')
      .values(row)
      .onConflict((oc) =>
        oc.column('agent_id').doUpdateSet({
          rpm: row.rpm,
          updated_by: row.updated_by,
          updated_at: row.updated_at,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow(),

  deleteAgentOverride: (q: Q, orgId: string, agentId: string) =>
    q.deleteFrom('agent_rate_limits').where('org_id', '=', orgId).where('agent_id', '=', agentId).execute(),
};
