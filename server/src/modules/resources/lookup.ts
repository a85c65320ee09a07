import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { createCoherentCache } from '../../platform/store/coherent-cache.js';
import type { EphemeralStore } from '../../platform/store/store.js';
import { resourcesRepo as repo } from './repo.js';
import { resourceUriProblem } from './uri.js';

/** Every node drops the keys a message lists (see lookupKey) on this channel. */
export const RESOURCES_CHANNEL = 'resources.changed';

/** A URI holds no space (resourceUriProblem refuses it), so the first space ends the org id. */
export const lookupKey = (orgId: string, uri: string) => `${orgId} ${uri}`;

/** How long "not registered" is believed without asking the database again. */
export const MISS_TTL_MS = 5_000;

interface Deps {
  db: Db;
  store: EphemeralStore;
  clock: Clock;
  log: Logger;
}

/**
 * "Is this URI a registered resource of this org?" for the token hot path, answered from memory
 * by a coherent cache that also keeps misses for a few seconds (an unknown URI presented again
 * and again costs one query per interval); every change, a registration included, is announced
 * to every node, so a resource registered anywhere is found at once.
 */
export function createResourceLookup(deps: Deps) {
  const { db } = deps;
  const cache = createCoherentCache<true>({
    ...deps,
    channel: RESOURCES_CHANNEL,
    missTtlMs: MISS_TTL_MS,
    load: async (key) => {
      const at = key.indexOf(' ');
      const orgId = key.slice(0, at);
      const uri = key.slice(at + 1);
      return (await db.tenant(orgId, (trx) => repo.idByUri(trx, orgId, uri))) ? true : null;
    },
  });

  return {
    async isRegistered(orgId: string, uri: string): Promise<boolean> {
      // A URI that could never have been registered is not worth a lookup or a cache entry.
      if (resourceUriProblem(uri)) return false;
      return (await cache.get(lookupKey(orgId, uri))) === true;
    },

    /** Drops `keys` here at once and on every node; call it after the change has committed. */
    changed: (keys: string[]) => cache.changed(keys),
    start: () => cache.start(),
    stop: () => cache.stop(),

    get size() {
      return { hits: cache.size, misses: cache.misses };
    },
  };
}
export type ResourceLookup = ReturnType<typeof createResourceLookup>;
