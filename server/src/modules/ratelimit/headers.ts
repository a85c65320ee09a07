import type { FastifyReply } from 'fastify';
import { type AppError, tooManyRequests } from '../../platform/errors.js';
import type { LimitResult } from './limiter.js';

/**
 * The RateLimit-* fields of draft-ietf-httpapi-ratelimit-headers (the separate-field form most
 * clients read): limit, remaining and reset in seconds, plus the policy (`limit;w=seconds`).
 * Retry-After is added by the problem handler with the 429 (`rateLimited`).
 */
export function writeRateLimitHeaders(reply: FastifyReply, r: LimitResult): void {
  reply.header('RateLimit-Limit', String(r.limit));
  reply.header('RateLimit-Remaining', String(r.remaining));
  reply.header('RateLimit-Reset', String(r.resetSeconds));
  reply.header('RateLimit-Policy', `${r.limit};w=${r.windowSeconds}`);
}

/** The 429 for a refused request: problem+json with code `rate_limited` and Retry-After. */
export function rateLimited(r: LimitResult, what = 'requests'): AppError {
  return tooManyRequests(
    r.retryAfterSeconds,
    `Too many ${what}: the limit is ${r.limit} per ${r.windowSeconds} seconds; retry in ${r.retryAfterSeconds} seconds`,
  );
}
