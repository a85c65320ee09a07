import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AgentPrincipal } from '../../platform/context.js';
import { metaOf } from '../../platform/http/auth.js';
import { rateLimited, writeRateLimitHeaders } from './headers.js';
import type { RateLimitService } from './service.js';

/**
 * What the route guards call once an agent's access token is accepted: spends one request of the
 * actor's per-minute budget, answers the RateLimit-* headers on every response, and refuses with
 * 429 `rate_limited` (and Retry-After) once the budget is spent.
 */
export function agentRateLimitHook(rateLimits: Pick<RateLimitService, 'consumeAgent'>) {
  return async (request: FastifyRequest, reply: FastifyReply, principal: AgentPrincipal) => {
    const result = await rateLimits.consumeAgent(principal, metaOf(request));
    writeRateLimitHeaders(reply, result);
    if (!result.allowed) throw rateLimited(result, 'requests from this agent');
  };
}
export type AgentRateLimitHook = ReturnType<typeof agentRateLimitHook>;
