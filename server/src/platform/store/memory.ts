import type { EphemeralStore } from './store.js';

interface Entry {
  value: string;
  expiresAt: number;
}

/** The single-node store: a map with expiry and an in-process pub/sub. */
export function createMemoryStore(now: () => number = Date.now): EphemeralStore {
  const entries = new Map<string, Entry>();
  const channels = new Map<string, Set<(message: string) => void>>();

  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  const incrementNow = (key: string, ttlMs: number) => {
    const entry = live(key);
    if (!entry) {
      entries.set(key, { value: '1', expiresAt: now() + ttlMs });
      return { value: 1, ttlMs };
    }
    entry.value = String(Number(entry.value) + 1);
    return { value: Number(entry.value), ttlMs: entry.expiresAt - now() };
  };
  // Expired keys that are never read again would otherwise stay forever.
  const sweeper = setInterval(() => {
    const t = now();
    for (const [key, entry] of entries) if (entry.expiresAt <= t) entries.delete(key);
  }, 60_000);
  sweeper.unref();

  return {
    kind: 'memory',
    async increment(key, ttlMs) {
      return incrementNow(key, ttlMs);
    },
    async incrementWithin(key, ttlMs, limit, previous) {
      // No await between the reads and the write: atomic on one event loop.
      const prior = Number(live(previous.key)?.value ?? 0);
      const entry = live(key);
      const value = Number(entry?.value ?? 0);
      if (prior * previous.overlapMs + (value + 1) * previous.windowMs > limit * previous.windowMs) {
        return { allowed: false, value, previous: prior, ttlMs: entry ? entry.expiresAt - now() : 0 };
      }
      const next = incrementNow(key, ttlMs);
      return { allowed: true, value: next.value, previous: prior, ttlMs: next.ttlMs };
    },
    async readCounter(key) {
      const entry = live(key);
      return entry ? { value: Number(entry.value), ttlMs: entry.expiresAt - now() } : null;
    },
    async get(key) {
      return live(key)?.value ?? null;
    },
    async getMany(keys) {
      return keys.map((key) => live(key)?.value ?? null);
    },
    async set(key, value, ttlMs) {
      entries.set(key, { value, expiresAt: now() + ttlMs });
    },
    async setIfAbsent(key, value, ttlMs) {
      if (live(key)) return false;
      entries.set(key, { value, expiresAt: now() + ttlMs });
      return true;
    },
    async delete(key) {
      entries.delete(key);
    },
    async publish(channel, message) {
      for (const handler of channels.get(channel) ?? []) queueMicrotask(() => handler(message));
    },
    async subscribe(channel, handler) {
      const set = channels.get(channel) ?? new Set();
      set.add(handler);
      channels.set(channel, set);
      return async () => {
        set.delete(handler);
      };
    },
    async ping() {},
    async close() {
      clearInterval(sweeper);
      entries.clear();
      channels.clear();
    },
  };
}
