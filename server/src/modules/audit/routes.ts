import type { RouteDeps, ZApp } from '../../app.js';
import { actorCtxOf, sessionSecurity } from '../../platform/http/auth.js';
import { pageOf } from '../../platform/pagination.js';
import { auditEventSchema, auditQuery, verifyQuery, verifyReportSchema } from './schema.js';

const tags = ['audit'];
const security = sessionSecurity;
const SCOPE = 'gatehouse:audit.read';

/** /v1/audit: the org's tamper-evident log, for admins and agents holding gatehouse:audit.read. */
export function registerAuditRoutes(app: ZApp, { services, guards }: RouteDeps) {
  const { auditReader } = services;

  app.get(
    '/audit',
    {
      preHandler: guards.actor('admin', SCOPE),
      schema: {
        tags,
        summary: 'List audit records, newest first',
        description: 'Filters combine; `action` takes a prefix such as `token.*`. Times are ISO 8601.',
        security,
        querystring: auditQuery,
        response: { 200: pageOf(auditEventSchema) },
      },
    },
    async (request) => auditReader.list(actorCtxOf(request), request.query),
  );

  app.get(
    '/audit/verify',
    {
      preHandler: guards.actor('admin', SCOPE),
      schema: {
        tags,
        summary: "Recompute the org's hash chain and check it against the signed checkpoints",
        description:
          'Answers 200 either way: `ok` with how far it verified and the checkpoint it matched, or the first break with its seq and kind (modified, deleted, reordered, inserted, truncated).',
        security,
        querystring: verifyQuery,
        response: { 200: verifyReportSchema },
      },
    },
    async (request) => auditReader.verify(actorCtxOf(request), request.query),
  );
}
