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

/** How long "not registered" is believed without asking the database again, and how many. */
export const MISS_TTL_MS = 5_000;
const MAX_MISSES = 1_000;

function parse(message: string): string[] | null {
  try {
    const keys: unknown = JSON.parse(message);
    if (Array.isArray(keys) && keys.every((k) => typeof k === 'string')) return keys;
  } catch {}
  return null;
}

interface Deps {
  db: Db;
  store: EphemeralStore;
  clock: Clock;
  log: Logger;
}

/**
 * "Is this URI a registered resource of this org?" for the token hot path, answered from memory.
 * Hits sit in a coherent cache (dropped on every node when a resource changes). The coherent cache
 * keeps no misses, so an unknown URI presented again and again would cost a query each time: a
 * small bounded negative cache holds misses for a few seconds, dropped by the same messages, so
 * a resource registered on any node is found at once.
 */
export function createResourceLookup(deps: Deps) {
  const { db, store, clock } = deps;
  const hits = createCoherentCache<true>({
    ...deps,
    channel: RESOURCES_CHANNEL,
    load: async (key) => {
      const at = key.indexOf(' ');
      const orgId = key.slice(0, at);
      const uri = key.slice(at + 1);
      return (await db.tenant(orgId, (trx) => repo.idByUri(trx, orgId, uri))) ? true : null;
    },
  });

  const misses = new Map<string, number>();
  // Bumped by every drop, so a load that began before a change does not record a stale miss.
  let generation = 0;
  let unsubscribe: (() => Promise<void>) | undefined;

  function forget(keys: string[] | null) {
    generation++;
    if (!keys) misses.clear();
    else for (const k of keys) misses.delete(k);
  }

  return {
    async isRegistered(orgId: string, uri: string): Promise<boolean> {
      // A URI that could never have been registered is not worth a lookup or a cache entry.
      if (resourceUriProblem(uri)) return false;
      const key = lookupKey(orgId, uri);
      const now = clock.now().getTime();
      const missUntil = misses.get(key);
      if (missUntil !== undefined) {
        if (missUntil > now) return false;
        misses.delete(key);
      }
      const seen = generation;
      if (await hits.get(key)) return true;
      if (seen === generation) {
        misses.set(key, now + MISS_TTL_MS);
        // Map keeps insertion order: the first key is the oldest miss.
        if (misses.size > MAX_MISSES) misses.delete(misses.keys().next().value as string);
      }
      return false;
    },

    /** Drops `keys` here at once and on every node; call it after the change has committed. */
    async changed(keys: string[]): Promise<void> {
      forget(keys);
      await hits.changed(keys);
    },

    /** Subscribes both caches to changes made on any node; call once at start. */
    async start(): Promise<void> {
      await hits.start();
      unsubscribe ??= await store.subscribe(RESOURCES_CHANNEL, (message) => forget(parse(message)));
    },

    async stop(): Promise<void> {
      await Promise.all([hits.stop(), unsubscribe?.()]);
      unsubscribe = undefined;
    },

    get size() {
      return { hits: hits.size, misses: misses.size };
    },
  };
}
export type ResourceLookup = ReturnType<typeof createResourceLookup>;
