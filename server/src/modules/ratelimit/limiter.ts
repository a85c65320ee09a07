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

/** Where a moment falls: its fixed window, and how much of the previous one still counts. */
export function windowAt(nowMs: number, windowMs: number) {
  const index = Math.floor(nowMs / windowMs);
  const elapsedMs = nowMs - index * windowMs;
  return { index, elapsedMs, previousWeight: (windowMs - elapsedMs) / windowMs };
}

/**
 * How long until `previous × weight + current + 1 ≤ limit` holds as the window slides, assuming
 * no other request: within this window while only the previous one's share is in the way,
 * otherwise in the next, where this window's count becomes the decaying share.
 */
export function waitMs(
  counts: { current: number; previous: number },
  limit: number,
  windowMs: number,
  elapsedMs: number,
): number {
  if (limit < 1) return 2 * windowMs - elapsedMs;
  const { current, previous } = counts;
  if (current + 1 <= limit) {
    if (previous === 0) return 0;
    const weight = (limit - current - 1) / previous;
    return Math.max(0, windowMs * (1 - weight) - elapsedMs);
  }
  const weight = (limit - 1) / current;
  return windowMs - elapsedMs + windowMs * (1 - weight);
}

/** How long until the quota is whole again: both the current and previous windows have decayed. */
function resetMs(counts: { current: number; previous: number }, windowMs: number, elapsedMs: number) {
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
        weight: w.previousWeight,
      });
      const counts = { current: step.value, previous: step.previous };
      const used = counts.previous * w.previousWeight + counts.current;
      const retry = step.allowed ? 0 : waitMs(counts, limit, windowMs, w.elapsedMs);
      return {
        allowed: step.allowed,
        limit,
        // The epsilon keeps float noise (4.999…) from costing a whole request.
        remaining: Math.max(0, Math.floor(limit - used + 1e-9)),
        resetSeconds: Math.ceil(resetMs(counts, windowMs, w.elapsedMs) / 1000),
        retryAfterSeconds: step.allowed ? 0 : Math.max(1, Math.ceil(retry / 1000)),
        windowSeconds: Math.ceil(windowMs / 1000),
      };
    },
  };
}
export type Limiter = ReturnType<typeof createLimiter>;
