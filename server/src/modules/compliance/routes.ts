import { z } from 'zod';
import type { RouteDeps, ZApp } from '../../app.js';
import { actorCtxOf, sessionSecurity } from '../../platform/http/auth.js';
import { renderReportHtml } from './html.js';
import { reportQuery, reportSchema } from './schema.js';

// The page has no scripts and no external resources: nothing but its inline styles may load.
const HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/** /v1/compliance: the org's compliance report, for admins and agents holding gatehouse:audit.read. */
export function registerComplianceRoutes(app: ZApp, { services, guards }: RouteDeps) {
  app.get(
    '/compliance/report',
    {
      preHandler: guards.actor('admin', 'gatehouse:audit.read'),
      schema: {
        tags: ['compliance'],
        summary: "Check the org's controls (SOC 2 style) against its live state and audit chain",
        description:
          'Cached per org for 30 s; `fresh=1` recomputes. `format=json` answers the same JSON as a download, `format=html` a printable page (text/html). See docs/compliance.md.',
        security: sessionSecurity,
        querystring: reportQuery,
        response: {
          200: {
            description: 'The report',
            content: {
              'application/json': { schema: reportSchema },
              'text/html': { schema: z.string().describe('the printable page (format=html)') },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const { format, fresh } = request.query;
      const report = await services.compliance.report(actorCtxOf(request), {
        fresh: fresh === '1' || fresh === 'true',
      });
      const name = `gatehouse-compliance-${report.org_id}-${report.generated_at.slice(0, 10)}`;
      if (format === 'html') {
        return reply
          .type('text/html; charset=utf-8')
          .header('content-security-policy', HTML_CSP)
          .header('content-disposition', `inline; filename="${name}.html"`)
          .send(renderReportHtml(report));
      }
      if (format === 'json') reply.header('content-disposition', `attachment; filename="${name}.json"`);
      return report;
    },
  );
}
