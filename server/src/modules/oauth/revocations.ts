import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import type { Db, Trx } from '../../platform/db/database.js';
import type { EphemeralStore } from '../../platform/store/store.js';
import './tables.js';

const key = (jti: string) => `oauth:revoked:${jti}`;
/**
 * Present while the store holds every live revocation. A restart of the memory store or a
 * Redis flush removes it with the entries, and the next check warms the store from Postgres.
 */
const WARM = 'oauth:revoked:warm';
const WARM_TTL_MS = 3600_000;

interface Deps {
  db: Db;
  store: EphemeralStore;
  clock: Clock;
  log: Logger;
}

/**
 * Revoked access tokens (RFC 7009). Postgres is the record; the ephemeral store answers the
 * per-request question, so a check costs one store round trip and no query.
 */
export function createRevocationList(deps: Deps) {
  const { db, store, clock, log } = deps;
  let warming: Promise<void> | undefined;

  async function warm() {
    const now = clock.now();
    const live = await db.system
      .selectFrom('revoked_tokens')
      .select(['jti', 'expires_at'])
      .where('expires_at', '>', now)
      .execute();
    for (const r of live) await store.set(key(r.jti), '1', r.expires_at.getTime() - now.getTime());
    await store.set(WARM, String(live.length), WARM_TTL_MS);
    // Rows past their token's expiry protect nothing: the token is refused as expired.
    await db.system.deleteFrom('revoked_tokens').where('expires_at', '<=', now).execute();
    log.info({ revoked: live.length }, 'revocation cache warmed from the database');
  }

  function warmOnce() {
    warming ??= warm().finally(() => {
      warming = undefined;
    });
    return warming;
  }

  return {
    /**
     * Records a revocation durably in the caller's transaction (idempotent); call `cache`
     * once it has committed.
     */
    async record(trx: Trx, r: { jti: string; orgId: string; exp: number; by: string | null }) {
      await trx
        .insertInto('revoked_tokens')
        .values({ jti: r.jti, org_id: r.orgId, expires_at: new Date(r.exp * 1000), revoked_by: r.by })
        .onConflict((oc) => oc.column('jti').doNothing())
        .execute();
    },

    /** Puts a committed revocation in the store until the token's own expiry. */
    async cache(jti: string, exp: number) {
      const ttl = exp * 1000 - clock.now().getTime();
      if (ttl > 0) await store.set(key(jti), '1', ttl);
    },

    /** Whether `jti` was revoked; warms the store first when it has lost its entries. */
    async isRevoked(jti: string): Promise<boolean> {
      const [warmed, hit] = await store.getMany([WARM, key(jti)]);
      if (hit !== null) return true;
      if (warmed !== null) return false;
      await warmOnce();
      return (await store.get(key(jti))) !== null;
    },
  };
}
export type RevocationList = ReturnType<typeof createRevocationList>;
