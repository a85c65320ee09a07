import { z } from 'zod';
import type { RouteDeps, ZApp } from '../../app.js';
import { actorCtxOf, sessionSecurity } from '../../platform/http/auth.js';
import { EXPORT_FORMATS, exportQuery } from './export.js';

/** GET /v1/audit/export: the whole log (or a time range of it) as a file, streamed. */
export function registerAuditExportRoutes(app: ZApp, { services, guards }: RouteDeps) {
  const { auditExport, orgs } = services;

  app.get(
    '/audit/export',
    {
      preHandler: guards.actor('admin', 'gatehouse:audit.read'),
      schema: {
        tags: ['audit'],
        summary: "Download the org's audit log as JSON lines or CSV",
        description:
          'Records in seq order, each as `GET /v1/audit` presents it: one JSON object per line, or CSV (RFC 4180) with a header row and `details` and `actor.chain` as JSON text. Streamed up to the chain head at the moment the export starts; `from` and `to` filter on `at`.',
        security: sessionSecurity,
        querystring: exportQuery,
        response: {
          200: z.unknown().describe('`application/x-ndjson` or `text/csv`, as an attachment (streamed)'),
        },
      },
    },
    async (request, reply) => {
      const orgId = actorCtxOf(request).principal.orgId;
      const org = await orgs.get(orgId);
      const { format } = request.query;
      return reply
        .header('content-type', EXPORT_FORMATS[format].contentType)
        .header('content-disposition', `attachment; filename="${auditExport.fileName(org.slug, format)}"`)
        .send(auditExport.stream(orgId, request.query));
    },
  );
}
