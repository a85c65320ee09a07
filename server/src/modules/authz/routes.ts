import { z } from 'zod';
import type { RouteDeps, ZApp } from '../../app.js';
import { notFound } from '../../platform/errors.js';
import { actorCtxOf, sessionSecurity } from '../../platform/http/auth.js';
import { ACTIONS, CAPABILITIES, RESOURCE_TYPES } from './catalogue.js';
import { registerPolicyRoutes } from './policy-routes.js';
import {
  agentParams,
  attributesBody,
  capabilityParams,
  catalogueSchema,
  grantSkillBody,
  holderSchema,
  skillParams,
  skillSchema,
} from './schema.js';

const tags = ['authorization'];
const security = sessionSecurity;

/** Capabilities, skills and agent attributes; then policies and the decision APIs (policy-routes.ts). */
export function registerAuthzRoutes(app: ZApp, deps: RouteDeps) {
  const { skills } = deps.services;
  const read = deps.guards.actor('manager', 'gatehouse:authz.read');
  const write = deps.guards.actor('admin', 'gatehouse:authz.write');

  app.get(
    '/capabilities',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'The capabilities and the actions that need them',
        security,
        response: { 200: catalogueSchema },
      },
    },
    async () => ({
      capabilities: [...CAPABILITIES],
      actions: Object.entries(ACTIONS).map(([name, a]) => ({ name, ...a })),
      resource_types: [...RESOURCE_TYPES],
    }),
  );

  app.get(
    '/capabilities/:capability/agents',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'Active agents holding a capability now, most trusted first',
        security,
        params: capabilityParams,
        response: { 200: z.object({ items: z.array(holderSchema) }) },
      },
    },
    async (request) => {
      const rows = await skills.holders(actorCtxOf(request), request.params.capability);
      return {
        items: rows.map((r) => ({
          ...r,
          granted_at: r.granted_at.toISOString(),
          expires_at: r.expires_at?.toISOString() ?? null,
        })),
      };
    },
  );

  app.get(
    '/capabilities/:capability/best-agent',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'The most trusted active agent holding a capability',
        security,
        params: capabilityParams,
        response: { 200: holderSchema },
      },
    },
    async (request) => {
      const [best] = await skills.holders(actorCtxOf(request), request.params.capability, 1);
      if (!best) throw notFound('An active agent with this capability');
      return {
        ...best,
        granted_at: best.granted_at.toISOString(),
        expires_at: best.expires_at?.toISOString() ?? null,
      };
    },
  );

  app.get(
    '/agents/:id/skills',
    {
      preHandler: read,
      schema: {
        tags,
        summary: "An agent's skills",
        security,
        params: agentParams,
        response: { 200: z.object({ items: z.array(skillSchema) }) },
      },
    },
    async (request) => {
      const rows = await skills.list(actorCtxOf(request), request.params.id);
      return { items: rows.map(skills.present) };
    },
  );

  app.post(
    '/agents/:id/skills',
    {
      preHandler: write,
      schema: {
        tags,
        summary: 'Grant a capability to an agent (again: replaces its note and expiry)',
        security,
        params: agentParams,
        body: grantSkillBody,
        response: { 201: skillSchema },
      },
    },
    async (request, reply) => {
      const skill = await skills.grant(actorCtxOf(request), request.params.id, request.body);
      return reply.code(201).send(skills.present(skill));
    },
  );

  app.delete(
    '/agents/:id/skills/:capability',
    {
      preHandler: write,
      schema: { tags, summary: 'Revoke a skill', security, params: skillParams, response: { 204: z.null() } },
    },
    async (request, reply) => {
      await skills.revoke(actorCtxOf(request), request.params.id, request.params.capability);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/agents/:id/attributes',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'The tags and trust score policies see',
        security,
        params: agentParams,
        response: { 200: attributesBody },
      },
    },
    async (request) => skills.attributes(actorCtxOf(request), request.params.id),
  );

  app.put(
    '/agents/:id/attributes',
    {
      preHandler: write,
      schema: {
        tags,
        summary: "Set an agent's tags and trust score (0-100)",
        security,
        params: agentParams,
        body: attributesBody,
        response: { 200: attributesBody },
      },
    },
    async (request) => skills.setAttributes(actorCtxOf(request), request.params.id, request.body),
  );

  registerPolicyRoutes(app, deps);
}
