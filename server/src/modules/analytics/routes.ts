import type { RouteDeps, ZApp } from '../../app.js';
import { actorCtxOf, sessionSecurity } from '../../platform/http/auth.js';
import { activitySchema, denialsSchema, rangeQuery, tokensQuery, tokensSchema } from './schema.js';

const tags = ['analytics'];
const security = sessionSecurity;
// Analytics are the audit log summed up: whoever may read the log may read them, and no one else.
const SCOPE = 'gatehouse:audit.read';

/** /v1/analytics: usage over time from the org's audit log. Ranges are refused past their cap (400). */
export function registerAnalyticsRoutes(app: ZApp, { services, guards }: RouteDeps) {
  const { analytics } = services;

  app.get(
    '/analytics/tokens',
    {
      preHandler: guards.actor('admin', SCOPE),
      schema: {
        tags,
        summary: 'Tokens issued per agent over time (token.issued and token.exchanged), bucketed in UTC',
        description:
          'At most 31 days by hour and 366 days by day (`range_too_long` otherwise). Empty buckets are left out.',
        security,
        querystring: tokensQuery,
        response: { 200: tokensSchema },
      },
    },
    async (request) => analytics.tokens(actorCtxOf(request), request.query),
  );

  app.get(
    '/analytics/activity',
    {
      preHandler: guards.actor('admin', SCOPE),
      schema: {
        tags,
        summary: "Each agent's activity by day of week and hour of day (UTC): a heatmap",
        description: 'Counts every audit record whose actor is an agent. At most 366 days.',
        security,
        querystring: rangeQuery,
        response: { 200: activitySchema },
      },
    },
    async (request) => analytics.activity(actorCtxOf(request), request.query),
  );

  app.get(
    '/analytics/denials',
    {
      preHandler: guards.actor('admin', SCOPE),
      schema: {
        tags,
        summary: 'Refusals by action and reason (records with outcome failure, by details.error)',
        description: 'At most 366 days.',
        security,
        querystring: rangeQuery,
        response: { 200: denialsSchema },
      },
    },
    async (request) => analytics.denials(actorCtxOf(request), request.query),
  );
}
