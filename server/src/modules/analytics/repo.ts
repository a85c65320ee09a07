import { sql } from 'kysely';
import type { Q } from '../../platform/db/database.js';
import type { Interval } from './schema.js';

export interface Range {
  from: Date;
  to: Date;
}

/** Token issuance is these two records: a client_credentials (or API key) token, or an exchange. */
const ISSUANCE = ['token.issued', 'token.exchanged'];

/**
 * Aggregates over the audit log, in SQL. Every query names the org (RLS also holds) and a time
 * range, so the (org_id, action, at) and (org_id, at) indexes bound what is read. Times are
 * bucketed in UTC, whatever the session's time zone.
 */
export const analyticsRepo = {
  tokensIssued: (q: Q, orgId: string, r: Range, interval: Interval, agentId?: string) =>
    sql<{ agent_id: string; at: Date; count: number }>`
      select actor_id as agent_id,
        date_trunc(${interval}::text, at at time zone 'UTC') at time zone 'UTC' as at,
        count(*)::int as count
      from audit_events
      where org_id = ${orgId} and action in (${sql.join(ISSUANCE)})
        and at >= ${r.from} and at < ${r.to} and actor_id is not null
        ${agentId === undefined ? sql`` : sql`and actor_id = ${agentId}`}
      group by 1, 2 order by 1, 2`
      .execute(q)
      .then((res) => res.rows),

  agentActivity: (q: Q, orgId: string, r: Range) =>
    sql<{ agent_id: string; dow: number; hour: number; count: number }>`
      select actor_id as agent_id,
        extract(dow from at at time zone 'UTC')::int as dow,
        extract(hour from at at time zone 'UTC')::int as hour,
        count(*)::int as count
      from audit_events
      where org_id = ${orgId} and actor_type = 'agent' and actor_id is not null
        and at >= ${r.from} and at < ${r.to}
      group by 1, 2, 3 order by 1, 2, 3`
      .execute(q)
      .then((res) => res.rows),

  denials: (q: Q, orgId: string, r: Range) =>
    sql<{ action: string; reason: string | null; count: number }>`
      select action, details->>'error' as reason, count(*)::int as count
      from audit_events
      where org_id = ${orgId} and outcome = 'failure' and at >= ${r.from} and at < ${r.to}
      group by 1, 2 order by 3 desc, 1, 2`
      .execute(q)
      .then((res) => res.rows),
};
