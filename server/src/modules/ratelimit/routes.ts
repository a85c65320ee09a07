import type { RouteDeps, ZApp } from '../../app.js';
import { actorCtxOf, sessionSecurity } from '../../platform/http/auth.js';
import { idParam } from '../orgs/schema.js';
import {
  agentRateLimitBody,
  agentRateLimitSchema,
  orgRateLimitsBody,
  orgRateLimitsSchema,
} from './schema.js';

const tags = ['rate-limits'];
const security = sessionSecurity;

/**
 * /v1/rate-limits (the org's default per-agent limit) and /v1/agents/{id}/rate-limit (one
 * agent's override). Anyone who may read agents may read them; changing them is an admin's.
 */
export function registerRateLimitRoutes(app: ZApp, { services, guards }: RouteDeps) {
  const { rateLimits } = services;
  const read = guards.actor('viewer', 'gatehouse:agents.read');
  const write = guards.actor('admin', 'gatehouse:agents.write');

  app.get(
    '/rate-limits',
    {
      preHandler: read,
      schema: {
        tags,
        summary: "The org's default requests per minute for each agent",
        security,
        response: { 200: orgRateLimitsSchema },
      },
    },
    (request) => rateLimits.orgSettings(actorCtxOf(request)),
  );

  app.put(
    '/rate-limits',
    {
      preHandler: write,
      schema: {
        tags,
        summary: "Set the org's default requests per minute for each agent (null: the server default)",
        security,
        body: orgRateLimitsBody,
        response: { 200: orgRateLimitsSchema },
      },
    },
    (request) => rateLimits.updateOrgSettings(actorCtxOf(request), request.body),
  );

  app.get(
    '/agents/:id/rate-limit',
    {
      preHandler: read,
      schema: {
        tags,
        summary: "An agent's requests per minute: its own limit, or the org default it follows",
        security,
        params: idParam('agt'),
        response: { 200: agentRateLimitSchema },
      },
    },
    (request) => rateLimits.agentSetting(actorCtxOf(request), request.params.id),
  );

  app.put(
    '/agents/:id/rate-limit',
    {
      preHandler: write,
      schema: {
        tags,
        summary: "Set an agent's own requests per minute (null: follow the org default)",
        security,
        params: idParam('agt'),
        body: agentRateLimitBody,
        response: { 200: agentRateLimitSchema },
      },
    },
    (request) => rateLimits.updateAgentSetting(actorCtxOf(request), request.params.id, request.body),
  );
}
