import { z } from 'zod';
import type { RouteDeps, ZApp } from '../../app.js';
import { actorCtxOf, ctxOf, sessionSecurity } from '../../platform/http/auth.js';
import { pageOf } from '../../platform/pagination.js';
import {
  agentParams,
  agentSchema,
  createAgentBody,
  listAgentsQuery,
  presentAgent,
  updateAgentBody,
} from './schema.js';

const tags = ['agents'];
const security = sessionSecurity;

/** /v1/agents: the agent registry. Versions are in versions-routes.ts. */
export function registerAgentRoutes(app: ZApp, { services, guards }: RouteDeps) {
  const { agents } = services;

  app.post(
    '/agents',
    {
      preHandler: guards.actor('manager', 'gatehouse:agents.write'),
      schema: {
        tags,
        summary: 'Register an agent; a definition given here becomes its version 1',
        security,
        body: createAgentBody,
        response: { 201: agentSchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(presentAgent(await agents.create(actorCtxOf(request), request.body))),
  );

  app.get(
    '/agents',
    {
      preHandler: guards.actor('viewer', 'gatehouse:agents.read'),
      schema: {
        tags,
        summary: 'List agents (archived ones only with status=archived)',
        security,
        querystring: listAgentsQuery,
        response: { 200: pageOf(agentSchema) },
      },
    },
    async (request) => {
      const page = await agents.list(actorCtxOf(request), request.query);
      return { ...page, items: page.items.map(presentAgent) };
    },
  );

  app.get(
    '/agents/:id',
    {
      preHandler: guards.actor('viewer', 'gatehouse:agents.read'),
      schema: { tags, summary: 'One agent', security, params: agentParams, response: { 200: agentSchema } },
    },
    async (request) => presentAgent(await agents.get(actorCtxOf(request), request.params.id)),
  );

  app.patch(
    '/agents/:id',
    {
      preHandler: guards.actor('manager', 'gatehouse:agents.write'),
      schema: {
        tags,
        summary: 'Change an agent: settings, suspend or reactivate, or a new definition version',
        security,
        params: agentParams,
        body: updateAgentBody,
        response: { 200: agentSchema },
      },
    },
    async (request) =>
      presentAgent(await agents.update(actorCtxOf(request), request.params.id, request.body)),
  );

  app.delete(
    '/agents/:id',
    {
      preHandler: guards.actor('admin', 'gatehouse:agents.write'),
      schema: {
        tags,
        summary: 'Archive an agent (soft delete: the record and its versions stay, the name is freed; final)',
        security,
        params: agentParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await agents.archive(actorCtxOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/admin/reload',
    {
      preHandler: guards.user('admin'),
      schema: {
        tags: ['admin'],
        summary: "Drop every node's cached agent records of this organization",
        security,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await agents.reload(ctxOf(request));
      return reply.code(204).send(null);
    },
  );
}
