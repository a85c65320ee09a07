/**
 * Short-lived shared state: counters and keys that expire, and pub/sub. In memory on one
 * node (embedded mode), in Redis across nodes. Later capabilities use it for rate limits,
 * the revocation cache, replay nonces and cross-node notifications.
 */
export interface EphemeralStore {
  readonly kind: 'memory' | 'redis';
  /** Adds one to a counter, starting it with `ttlMs` to live when absent. */
  increment(key: string, ttlMs: number): Promise<{ value: number; ttlMs: number }>;
  /** A counter's value and time left, or null when it does not exist. */
  readCounter(key: string): Promise<{ value: number; ttlMs: number } | null>;
  /**
   * One step of a sliding-window counter, atomic across nodes (a Lua script on Redis): adds one
   * to the counter `key` (started with `ttlMs` to live when absent) only when the previous
   * window's count, weighted by the `overlapMs` of its `windowMs` the sliding window still
   * covers, plus this window's count plus one is at most `limit`. Integer arithmetic, so both
   * stores decide alike at every boundary. Answers both counts as they stand after the call, so
   * concurrent callers neither lose nor double a count.
   */
  incrementWithin(
    key: string,
    ttlMs: number,
    limit: number,
    previous: { key: string; overlapMs: number; windowMs: number },
  ): Promise<{ allowed: boolean; value: number; previous: number; ttlMs: number }>;
  get(key: string): Promise<string | null>;
  /** Several keys in one round trip, in order. */
  getMany(keys: string[]): Promise<(string | null)[]>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Sets only when absent; true when this call set it (first use of a nonce). */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  publish(channel: string, message: string): Promise<void>;
  /** Calls `handler` for every message on `channel` until the returned function is called. */
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
  /** Resolves when the store answers; rejects when it is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
