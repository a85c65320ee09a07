import type { Q } from '../../platform/db/database.js';
import type { Algorithm } from './algorithms.js';

export const keysRepo = {
  insert: (
    q: Q,
    k: {
      kid: string;
      org_id: string;
      alg: Algorithm;
      public_jwk: string;
      private_key_sealed: string;
      created_at: Date;
      activates_at: Date;
    },
  ) => q.insertInto('signing_keys').values(k).returningAll().executeTakeFirstOrThrow(),

  /** Keys of the org, newest activation first. */
  ofOrg: (q: Q, orgId: string) =>
    q
      .selectFrom('signing_keys')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('activates_at', 'desc')
      .execute(),

  /** Every key that has not yet been given an end of publication: the signing key and any pending one. */
  retireUnscheduled: (q: Q, orgId: string, until: Date, exceptKid: string) =>
    q
      .updateTable('signing_keys')
      .set({ publish_until: until })
      .where('org_id', '=', orgId)
      .where('publish_until', 'is', null)
      .where('kid', '!=', exceptKid)
      .execute(),

  /** Orgs whose newest key was created before `cutoff` (scheduled rotation; across orgs). */
  orgsWithKeysOlderThan: async (q: Q, cutoff: Date) =>
    (
      await q
        .selectFrom('signing_keys')
        .select('org_id')
        .groupBy('org_id')
        .having((eb) => eb.fn.max('created_at'), '<', cutoff)
        .execute()
    ).map((r) => r.org_id),

  /** One key by kid, across orgs: verification finds the org from the key. */
  byKid: (q: Q, kid: string) =>
    q
      .selectFrom('signing_keys')
      .select(['kid', 'org_id', 'alg', 'public_jwk', 'publish_until'])
      .where('kid', '=', kid)
      .executeTakeFirst(),

  /** Public keys still published, across orgs: the issuer's JWKS. */
  published: (q: Q, now: Date) =>
    q
      .selectFrom('signing_keys')
      .select(['kid', 'alg', 'public_jwk'])
      .where((eb) => eb.or([eb('publish_until', 'is', null), eb('publish_until', '>', now)]))
      .orderBy('activates_at', 'desc')
      .execute(),
};
