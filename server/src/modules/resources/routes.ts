import { z } from 'zod';
import type { RouteDeps, ZApp } from '../../app.js';
import { actorCtxOf, sessionSecurity } from '../../platform/http/auth.js';
import { pageOf, pageQuery } from '../../platform/pagination.js';
import {
  createResourceBody,
  presentResource,
  resourceParams,
  resourceSchema,
  updateResourceBody,
} from './schema.js';

const tags = ['resources'];
const security = sessionSecurity;
// There is no read scope of its own: an agent that may not change the registry need not read it.
const SCOPE = 'gatehouse:resources.write';

/** /v1/resources: the resource servers (RFC 8707) tokens may be issued for. */
export function registerResourceRoutes(app: ZApp, { services, guards }: RouteDeps) {
  const { resources } = services;

  app.post(
    '/resources',
    {
      preHandler: guards.actor('admin', SCOPE),
      schema: {
        tags,
        summary: 'Register a resource server: an https URI (http only on loopback) with no fragment',
        description: 'Token requests with `resource` set to this exact URI get it as `aud`.',
        security,
        body: createResourceBody,
        response: { 201: resourceSchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(presentResource(await resources.create(actorCtxOf(request), request.body))),
  );

  app.get(
    '/resources',
    {
      preHandler: guards.actor('viewer', SCOPE),
      schema: {
        tags,
        summary: 'List registered resources',
        security,
        querystring: pageQuery.strict(),
        response: { 200: pageOf(resourceSchema) },
      },
    },
    async (request) => {
      const page = await resources.list(actorCtxOf(request), request.query);
      return { ...page, items: page.items.map(presentResource) };
    },
  );

  app.get(
    '/resources/:id',
    {
      preHandler: guards.actor('viewer', SCOPE),
      schema: {
        tags,
        summary: 'One resource',
        security,
        params: resourceParams,
        response: { 200: resourceSchema },
      },
    },
    async (request) => presentResource(await resources.get(actorCtxOf(request), request.params.id)),
  );

  app.patch(
    '/resources/:id',
    {
      preHandler: guards.actor('admin', SCOPE),
      schema: {
        tags,
        summary: 'Rename or describe a resource (its URI is its identity and does not change)',
        security,
        params: resourceParams,
        body: updateResourceBody,
        response: { 200: resourceSchema },
      },
    },
    async (request) =>
      presentResource(await resources.update(actorCtxOf(request), request.params.id, request.body)),
  );

  app.delete(
    '/resources/:id',
    {
      preHandler: guards.actor('admin', SCOPE),
      schema: {
        tags,
        summary: 'Remove a resource: tokens for its URI are refused from now on, on every node',
        security,
        params: resourceParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await resources.remove(actorCtxOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}
