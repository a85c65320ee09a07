import type { RouteDeps, ZApp } from '../../app.js';
import { actorCtxOf, sessionSecurity } from '../../platform/http/auth.js';
import { pageOf, pageQuery } from '../../platform/pagination.js';
import { agentParams, presentVersion, versionParams, versionSchema } from './schema.js';

const tags = ['agents'];

/** /v1/agents/{id}/versions: the immutable history of an agent's definition. */
export function registerAgentVersionRoutes(app: ZApp, { services, guards }: RouteDeps) {
  const { agents } = services;

  app.get(
    '/agents/:id/versions',
    {
      preHandler: guards.actor('viewer', 'gatehouse:agents.read'),
      schema: {
        tags,
        summary: "An agent's definition versions, newest first",
        security: sessionSecurity,
        params: agentParams,
        querystring: pageQuery.strict(),
        response: { 200: pageOf(versionSchema) },
      },
    },
    async (request) => {
      const page = await agents.listVersions(actorCtxOf(request), request.params.id, request.query);
      return { ...page, items: page.items.map(presentVersion) };
    },
  );

  app.get(
    '/agents/:id/versions/:version',
    {
      preHandler: guards.actor('viewer', 'gatehouse:agents.read'),
      schema: {
        tags,
        summary: 'One definition version of an agent, by number',
        security: sessionSecurity,
        params: versionParams,
        response: { 200: versionSchema },
      },
    },
    async (request) =>
      presentVersion(await agents.getVersion(actorCtxOf(request), request.params.id, request.params.version)),
  );
}
