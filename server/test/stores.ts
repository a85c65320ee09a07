import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { createMemoryStore } from '../src/platform/store/memory.js';
import { createRedisStore } from '../src/platform/store/redis.js';
import type { EphemeralStore } from '../src/platform/store/store.js';

export const silent = pino({ level: 'silent' });

/** Two nodes' stores: one shared memory store, or (with REDIS_URL) two Redis connections on one key space. */
export function twoStores(): [EphemeralStore, EphemeralStore] {
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    const shared = createMemoryStore();
    return [shared, shared];
  }
  const prefix = `gh:test:${randomBytes(4).toString('hex')}:`;
  return [createRedisStore(redisUrl, prefix, silent), createRedisStore(redisUrl, prefix, silent)];
}
