import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { EphemeralStore } from './store.js';

// One round trip, atomic: the TTL is set only by the increment that creates the key.
const INCREMENT = `
local v = redis.call('INCR', KEYS[1])
if v == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {v, redis.call('PTTL', KEYS[1])}`;

// A sliding-window step in one atomic script, so nodes racing on one limit neither overshoot it
// nor lose a count. KEYS: current window, previous window; ARGV: ttl ms, limit, overlap ms of the
// previous window, window ms. Lua numbers are doubles: exact for these integer products.
const INCREMENT_WITHIN = `
local prev = tonumber(redis.call('GET', KEYS[2]) or '0')
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local window = tonumber(ARGV[4])
local allowed = 0
if prev * tonumber(ARGV[3]) + (cur + 1) * window <= tonumber(ARGV[2]) * window then
  cur = redis.call('INCR', KEYS[1])
  if cur == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
  allowed = 1
end
return {allowed, cur, prev, redis.call('PTTL', KEYS[1])}`;

type RedisWithIncrement = Redis & {
  ghIncrement(key: string, ttlMs: number): Promise<[number, number]>;
  ghIncrementWithin(
    key: string,
    previousKey: string,
    ttlMs: number,
    limit: number,
    overlapMs: number,
    windowMs: number,
  ): Promise<[number, number, number, number]>;
};

/**
 * Logs the connections going down once (ioredis retries by itself, and errors on each attempt),
 * and coming back.
 */
export function reportOutages(clients: Redis[], log: Logger, what: string) {
  let down = false;
  for (const client of clients) {
    client.on('error', (err: Error) => {
      if (!down) log.error({ err: err.message }, `${what} unreachable; retrying`);
      down = true;
    });
    client.on('ready', () => {
      if (down) log.info(`${what} connection restored`);
      down = false;
    });
  }
}

/**
 * The multi-node store on Redis. Commands fail fast while Redis is down (no offline queue),
 * so callers and /readyz see the outage; the client reconnects by itself with backoff.
 */
export function createRedisStore(url: string, prefix: string, log: Logger): EphemeralStore {
  const options = {
    keyPrefix: prefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 5_000),
  };
  const client = new Redis(url, options) as RedisWithIncrement;
  client.defineCommand('ghIncrement', { numberOfKeys: 1, lua: INCREMENT });
  client.defineCommand('ghIncrementWithin', { numberOfKeys: 2, lua: INCREMENT_WITHIN });
  let subscriber: Redis | undefined;
  const handlers = new Map<string, Set<(message: string) => void>>();

  reportOutages([client], log, 'redis');

  const subscriberClient = (): Redis => {
    if (subscriber) return subscriber;
    // Subscriptions need their own connection; channels are prefixed by hand because
    // ioredis applies keyPrefix to keys only. The offline queue stays on here so that
    // subscriptions are renewed after a reconnect.
    subscriber = new Redis(url, { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null });
    subscriber.on('error', () => {});
    subscriber.on('message', (channel: string, message: string) => {
      for (const handler of handlers.get(channel) ?? []) handler(message);
    });
    return subscriber;
  };

  return {
    kind: 'redis',
    async increment(key, ttlMs) {
      const [value, ttl] = await client.ghIncrement(key, ttlMs);
      return { value, ttlMs: ttl };
    },
    async incrementWithin(key, ttlMs, limit, previous) {
      const [allowed, value, prior, ttl] = await client.ghIncrementWithin(
        key,
        previous.key,
        ttlMs,
        limit,
        previous.overlapMs,
        previous.windowMs,
      );
      return { allowed: allowed === 1, value, previous: prior, ttlMs: Math.max(0, ttl) };
    },
    async readCounter(key) {
      const [[, value], [, ttl]] = (await client.multi().get(key).pttl(key).exec()) as [
        [unknown, string | null],
        [unknown, number],
      ];
      return value === null ? null : { value: Number(value), ttlMs: Math.max(0, ttl) };
    },
    get: (key) => client.get(key),
    getMany: (keys) => client.mget(keys),
    async set(key, value, ttlMs) {
      await client.set(key, value, 'PX', ttlMs);
    },
    async setIfAbsent(key, value, ttlMs) {
      return (await client.set(key, value, 'PX', ttlMs, 'NX')) === 'OK';
    },
    async delete(key) {
      await client.del(key);
    },
    async publish(channel, message) {
      await client.publish(prefix + channel, message);
    },
    async subscribe(channel, handler) {
      const name = prefix + channel;
      const set = handlers.get(name) ?? new Set();
      handlers.set(name, set);
      set.add(handler);
      if (set.size === 1) await subscriberClient().subscribe(name);
      return async () => {
        set.delete(handler);
        if (set.size === 0) {
          handlers.delete(name);
          await subscriber?.unsubscribe(name);
        }
      };
    },
    async ping() {
      await client.ping();
    },
    async close() {
      await Promise.allSettled([client.quit(), subscriber?.quit()]);
    },
  };
}
