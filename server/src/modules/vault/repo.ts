import type { Insertable, Updateable } from 'kysely';
import type { Q } from '../../platform/db/database.js';
import type { IntegrationSecretsTable, IntegrationsTable } from './tables.js';

type Page = { after?: string | undefined; limit: number };

/**
 * SQL for integrations, their sealed credentials, grants and egress policies. Tenant queries
 * filter by org even though RLS also does. Integration queries never select the secrets table:
 * only `secret` and the rewrap queries do.
 */
export const vaultRepo = {
  insert: (q: Q, row: Insertable<IntegrationsTable>) =>
    q.insertInto('integrations').values(row).returningAll().executeTakeFirstOrThrow(),

  get: (q: Q, orgId: string, id: string, opts: { forUpdate?: boolean } = {}) => {
    const query = q.selectFrom('integrations').selectAll().where('org_id', '=', orgId).where('id', '=', id);
    return (opts.forUpdate ? query.forUpdate() : query).executeTakeFirst();
  },

  byName: (q: Q, orgId: string, name: string) =>
    q
      .selectFrom('integrations')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('name', '=', name)
      .executeTakeFirst(),

  idByName: (q: Q, orgId: string, name: string) =>
    q
      .selectFrom('integrations')
      .select('id')
      .where('org_id', '=', orgId)
      .where('name', '=', name)
      .executeTakeFirst(),

  list: (q: Q, orgId: string, p: Page) => {
    let query = q
      .selectFrom('integrations')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('id')
      .limit(p.limit);
    if (p.after) query = query.where('id', '>', p.after);
    return query.execute();
  },

  update: (q: Q, orgId: string, id: string, patch: Updateable<IntegrationsTable>) =>
    q
      .updateTable('integrations')
      .set(patch)
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow(),

  delete: (q: Q, orgId: string, id: string) =>
    q
      .deleteFrom('integrations')
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst(),

  putSecret: (q: Q, row: Insertable<IntegrationSecretsTable>) =>
    q
      .insertInto('integration_secrets')
      .values(row)
      .onConflict((oc) =>
        oc.column('integration_id').doUpdateSet({
          ciphertext: row.ciphertext,
          wrapped_key: row.wrapped_key,
          key_id: row.key_id,
          updated_at: row.updated_at ?? new Date(),
        }),
      )
      .execute(),

  secret: (q: Q, orgId: string, integrationId: string) =>
    q
      .selectFrom('integration_secrets')
      .select(['ciphertext', 'wrapped_key', 'key_id'])
      .where('org_id', '=', orgId)
      .where('integration_id', '=', integrationId)
      .executeTakeFirst(),

  // Grants.
  grant: (
    q: Q,
    row: {
      org_id: string;
      integration_id: string;
      agent_id: string;
      created_by: string | null;
      created_at: Date;
    },
  ) =>
    q
      .insertInto('integration_grants')
      .values(row)
      .onConflict((oc) => oc.columns(['integration_id', 'agent_id']).doNothing())
      .returningAll()
      .executeTakeFirst(),

  getGrant: (q: Q, orgId: string, integrationId: string, agentId: string) =>
    q
      .selectFrom('integration_grants')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('integration_id', '=', integrationId)
      .where('agent_id', '=', agentId)
      .executeTakeFirst(),

  revoke: (q: Q, orgId: string, integrationId: string, agentId: string) =>
    q
      .deleteFrom('integration_grants')
      .where('org_id', '=', orgId)
      .where('integration_id', '=', integrationId)
      .where('agent_id', '=', agentId)
      .returningAll()
      .executeTakeFirst(),

  grants: (q: Q, orgId: string, integrationId: string, p: Page) => {
    let query = q
      .selectFrom('integration_grants')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('integration_id', '=', integrationId)
      .orderBy('agent_id')
      .limit(p.limit);
    if (p.after) query = query.where('agent_id', '>', p.after);
    return query.execute();
  },

  /** Every agent holding a grant on the integration (to drop their cached grants when it goes). */
  grantees: (q: Q, orgId: string, integrationId: string) =>
    q
      .selectFrom('integration_grants')
      .select('agent_id')
      .where('org_id', '=', orgId)
      .where('integration_id', '=', integrationId)
      .execute(),

  /** The integrations an agent may call, in id order. */
  ofAgent: (q: Q, orgId: string, agentId: string, p: Page) => {
    let query = q
      .selectFrom('integration_grants as g')
      .innerJoin('integrations as i', 'i.id', 'g.integration_id')
      .selectAll('i')
      .where('g.org_id', '=', orgId)
      .where('g.agent_id', '=', agentId)
      .orderBy('i.id')
      .limit(p.limit);
    if (p.after) query = query.where('i.id', '>', p.after);
    return query.execute();
  },

  // Egress.
  egress: (q: Q, orgId: string) =>
    q.selectFrom('egress_policies').selectAll().where('org_id', '=', orgId).executeTakeFirst(),

  putEgress: (
    q: Q,
    row: {
      org_id: string;
      hosts: string[];
      allow_private: string[];
      updated_by: string | null;
      updated_at: Date;
    },
  ) =>
    q
      .insertInto('egress_policies')
      .values(row)
      .onConflict((oc) =>
        oc.column('org_id').doUpdateSet({
          hosts: row.hosts,
          allow_private: row.allow_private,
          updated_by: row.updated_by,
          updated_at: row.updated_at,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow(),
};
