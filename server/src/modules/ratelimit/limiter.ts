import type { Clock } from '../../platform/clock.js';
import type { EphemeralStore } from '../../platform/store/store.js';

export interface LimitPolicy {
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
}

export interface LimitResult {
  allowed: boolean;
  limit: number;
  /** Requests still allowed now, had nobody else spent any. */
  remaining: number;
  /** Seconds until the whole quota is back, if no more requests come (RateLimit-Reset). */
  resetSeconds: number;
  /** Seconds until a request would be allowed again (Retry-After); 0 when this one was. */
  retryAfterSeconds: number;
  windowSeconds: number;
}

/**
 * Where a moment falls: its fixed window, and how many milliseconds of the previous one the
 * sliding window (the last `windowMs`) still overlaps; the previous count weighs that share.
 */
export function windowAt(nowMs: number, windowMs: number) {
  const index = Math.floor(nowMs / windowMs);
  const elapsedMs = nowMs - index * windowMs;
  return { index, elapsedMs, overlapMs: windowMs - elapsedMs };
}

type Counts = { current: number; previous: number };

/**
 * How long until `previous × overlap / window + current + 1 ≤ limit` holds as the window
 * slides, if no other request comes: within this window while only the previous one's share is
 * in the way, otherwise in the next, where this window's count becomes the decaying share.
 * Integer arithmetic as the store decides, so waiting exactly this long is enough.
 */
export function waitMs({ current, previous }: Counts, limit: number, windowMs: number, elapsedMs: number) {
  if (limit < 1) return 2 * windowMs - elapsedMs;
  if (current + 1 <= limit) {
    if (previous === 0) return 0;
    const overlap = Math.floor(((limit - current - 1) * windowMs) / previous);
    return Math.max(0, windowMs - overlap - elapsedMs);
  }
  const overlap = Math.floor(((limit - 1) * windowMs) / current);
  return windowMs - elapsedMs + (windowMs - overlap);
}

/** How long until the quota is whole again: both the current and previous windows have decayed. */
function resetMs(counts: Counts, windowMs: number, elapsedMs: number) {
  if (counts.current > 0) return 2 * windowMs - elapsedMs;
  return counts.previous > 0 ? windowMs - elapsedMs : 0;
}

/**
 * The sliding-window-counter limiter: a fixed-window counter per key and window, with the
 * previous window's count weighted by how much of it the sliding window still overlaps. One
 * atomic store step per request (check and count together), so every node shares one limit and
 * a refused request is not counted. Time comes from the injected clock; windows are aligned to
 * the epoch, so nodes agree on them (given synchronised clocks).
 */
export function createLimiter({ store, clock }: { store: EphemeralStore; clock: Clock }) {
  return {
    async consume(key: string, { limit, windowMs }: LimitPolicy): Promise<LimitResult> {
      const w = windowAt(clock.now().getTime(), windowMs);
      // The hash tag keeps both windows of a key on one Redis Cluster slot, as the script needs.
      const base = `rl:{${key}}:${windowMs}:`;
      // A window's counter must outlive the window that reads it as its previous one.
      const step = await store.incrementWithin(`${base}${w.index}`, 2 * windowMs + 1_000, limit, {
        key: `${base}${w.index - 1}`,
        overlapMs: w.overlapMs,
        windowMs,
      });
      const counts = { current: step.value, previous: step.previous };
      // What is left, in whole requests: (limit × window − previous × overlap) / window − current.
      const left = limit * windowMs - counts.previous * w.overlapMs - counts.current * windowMs;
      const retry = step.allowed ? 0 : waitMs(counts, limit, windowMs, w.elapsedMs);
      return {
        allowed: step.allowed,
        limit,
        remaining: Math.max(0, Math.floor(left / windowMs)),
        resetSeconds: Math.ceil(resetMs(counts, windowMs, w.elapsedMs) / 1000),
        retryAfterSeconds: step.allowed ? 0 : Math.max(1, Math.ceil(retry / 1000)),
        windowSeconds: Math.ceil(windowMs / 1000),
      };
    },
  };
}
export type Limiter = ReturnType<typeof createLimiter>;
