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
}

function parse(message: string): string[] | null {
  try {
    const keys: unknown = JSON.parse(message);
    if (Array.isArray(keys) && keys.every((k) => typeof k === 'string')) return keys;
  } catch {}
  return null;
}

/**
 * An in-process cache for a hot path (credential lookups), kept coherent across nodes: a change
 * drops its keys here and, through the ephemeral store's pub/sub, on every other node; the TTL
 * bounds staleness when a message is lost. Misses are not cached, so a row created later is
 * found at once. (The agents cache predates it: the same design, with org-wide drops.)
 */
export function createCoherentCache<V>(deps: Deps<V>) {
  const { store, channel, clock, log, load } = deps;
  const ttlMs = deps.ttlMs ?? 60_000;
  const maxEntries = deps.maxEntries ?? 10_000;
  const entries = new Map<string, { value: V; expiresAt: number }>();
  // Bumped by every invalidation, so a load that began before one does not store what it read.
  let generation = 0;
  let unsubscribe: (() => Promise<void>) | undefined;

  function drop(keys: string[] | null) {
    generation++;
    if (!keys) entries.clear();
    else for (const k of keys) entries.delete(k);
  }

  return {
    /** The value under `key`, from memory while fresh; null when the loader finds nothing. */
    async get(key: string): Promise<V | null> {
      const hit = entries.get(key);
      if (hit && hit.expiresAt > clock.now().getTime()) return hit.value;
      entries.delete(key);
      const seen = generation;
      const value = await load(key);
      if (value !== null && seen === generation) {
        entries.set(key, { value, expiresAt: clock.now().getTime() + ttlMs });
        // Map keeps insertion order: the first key is the oldest entry.
        if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
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
  };
}
export type CoherentCache<V> = ReturnType<typeof createCoherentCache<V>>;
