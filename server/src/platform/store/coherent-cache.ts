import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { EphemeralStore } from './store.js';

interface Deps<V> {
  store: EphemeralStore;
  /** This cache's pub/sub channel on every node; a message is the JSON array of keys to drop. */
  channel: string;
  clock: Clock;
  log: Logger;
  load: (key: string) => Promise<V | null>;
  /** A safety net for a lost message (Redis pub/sub is at-most-once): entries expire anyway. */
  ttlMs?: number;
  maxEntries?: number;
  /**
   * How long "not found" is believed, so a key presented again and again (an unknown client id,
   * an unregistered URI) costs one query per interval, not one per request. 0 keeps no misses.
   * Misses are bounded apart from hits, so a flood of unknown keys cannot evict known ones.
   */
  missTtlMs?: number;
  maxMisses?: number;
}

function parse(message: string): string[] | null {
  try {
    const keys: unknown = JSON.parse(message);
    if (Array.isArray(keys) && keys.every((k) => typeof k === 'string')) return keys;
  } catch {}
  return null;
}

/**
 * An in-process cache for a hot path (credential and resource lookups), kept coherent across
 * nodes: a change drops its keys here and, through the ephemeral store's pub/sub, on every other
 * node; the TTL bounds staleness when a message is lost. Misses are kept only with `missTtlMs`,
 * and then a creation must announce its keys like any change, so it is found at once. (The
 * agents cache predates it: the same design, with org-wide drops.)
 */
export function createCoherentCache<V>(deps: Deps<V>) {
  const { store, channel, clock, log, load } = deps;
  const ttlMs = deps.ttlMs ?? 60_000;
  const maxEntries = deps.maxEntries ?? 10_000;
  const missTtlMs = deps.missTtlMs ?? 0;
  const maxMisses = deps.maxMisses ?? 1_000;
  const entries = new Map<string, { value: V; expiresAt: number }>();
  // One load per key at a time: when an entry expires under load, the callers that miss it
  // together share one query instead of each taking a database connection.
  const loading = new Map<string, Promise<V | null>>();
  const misses = new Map<string, number>();
  // Bumped by every invalidation, so a load that began before one does not store what it read.
  let generation = 0;
  let unsubscribe: (() => Promise<void>) | undefined;

  function drop(keys: string[] | null) {
    generation++;
    // A load begun before the change may have read the old row: later callers start their own.
    if (!keys) {
      entries.clear();
      misses.clear();
      loading.clear();
    } else {
      for (const k of keys) {
        entries.delete(k);
        misses.delete(k);
        loading.delete(k);
      }
    }
  }

  /** Map keeps insertion order: the first key is the oldest. */
  function bound(map: Map<string, unknown>, max: number) {
    if (map.size > max) map.delete(map.keys().next().value as string);
  }

  return {
    /** The value under `key`, from memory while fresh; null when the loader finds nothing. */
    async get(key: string): Promise<V | null> {
      const now = clock.now().getTime();
      const hit = entries.get(key);
      if (hit && hit.expiresAt > now) return hit.value;
      entries.delete(key);
      const missUntil = misses.get(key);
      if (missUntil !== undefined && missUntil > now) return null;
      misses.delete(key);
      const pending = loading.get(key);
      if (pending) return pending;
      const seen = generation;
      const loaded = load(key);
      loading.set(key, loaded);
      let value: V | null;
      try {
        value = await loaded;
      } finally {
        if (loading.get(key) === loaded) loading.delete(key);
      }
      if (seen !== generation) return value;
      if (value !== null) {
        entries.set(key, { value, expiresAt: clock.now().getTime() + ttlMs });
        bound(entries, maxEntries);
      } else if (missTtlMs > 0) {
        misses.set(key, clock.now().getTime() + missTtlMs);
        bound(misses, maxMisses);
      }
      return value;
    },

    /**
     * Drops `keys` here and on every node. Call it after the change has committed. A failed
     * publish is logged, not thrown: the change is made, and peers catch up within the TTL.
     */
    async changed(keys: string[]): Promise<void> {
      drop(keys);
      try {
        await store.publish(channel, JSON.stringify(keys));
      } catch (err) {
        log.error(
          { err: (err as Error).message, channel, keys },
          'cache change not published; peers catch up by TTL',
        );
      }
    },

    /** Subscribes this node to changes made on any node. A malformed message drops everything. */
    async start(): Promise<void> {
      unsubscribe ??= await store.subscribe(channel, (message) => drop(parse(message)));
    },

    async stop(): Promise<void> {
      await unsubscribe?.();
      unsubscribe = undefined;
    },

    get size() {
      return entries.size;
    },

    get misses() {
      return misses.size;
    },
  };
}
export type CoherentCache<V> = ReturnType<typeof createCoherentCache<V>>;
