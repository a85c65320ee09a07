import type { RouteDeps, ZApp } from '../../app.js';
import { ctxOf, metaOf, sessionSecurity } from '../../platform/http/auth.js';
import { createOrgBody, orgSchema, presentOrg, updateOrgBody } from './schema.js';

const tags = ['orgs'];

export function registerOrgRoutes(app: ZApp, { services, guards }: RouteDeps) {
  app.post(
    '/orgs',
    {
      preHandler: guards.user(),
      schema: {
        tags,
        summary: 'Create an organization; the caller becomes its admin',
        security: sessionSecurity,
        body: createOrgBody,
        response: { 201: orgSchema },
      },
    },
    async (request, reply) => {
      const { principal } = ctxOf(request);
      const org = await services.orgs.create(request.body, {
        userId: principal.userId,
        meta: metaOf(request),
      });
      return reply.code(201).send(presentOrg(org));
    },
  );

  app.get(
    '/orgs/current',
    {
      preHandler: guards.user(),
      schema: {
        tags,
        summary: 'The organization of the session',
        security: sessionSecurity,
        response: { 200: orgSchema },
      },
    },
    async (request) => presentOrg(await services.orgs.get(ctxOf(request).principal.orgId)),
  );

  app.patch(
    '/orgs/current',
    {
      preHandler: guards.user('admin'),
      schema: {
        tags,
        summary: 'Rename the organization of the session',
        security: sessionSecurity,
        body: updateOrgBody,
        response: { 200: orgSchema },
      },
    },
    async (request) => presentOrg(await services.orgs.update(ctxOf(request), request.body)),
  );
}
