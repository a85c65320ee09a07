import { z } from 'zod';
import type { RouteDeps, ZApp } from '../../app.js';
import { ctxOf, sessionSecurity } from '../../platform/http/auth.js';
import { pageOf, pageQuery } from '../../platform/pagination.js';
import { idParam, memberSchema, presentMember, roleSchema, updateMemberBody } from './schema.js';

const tags = ['users'];
const params = idParam('usr');

/** /v1/users: the members of the session's org and their roles. */
export function registerMemberRoutes(app: ZApp, { services, guards }: RouteDeps) {
  app.get(
    '/users',
    {
      preHandler: guards.user(),
      schema: {
        tags,
        summary: 'List the members of the organization',
        security: sessionSecurity,
        querystring: pageQuery.extend({ role: roleSchema.optional() }).strict(),
        response: { 200: pageOf(memberSchema) },
      },
    },
    async (request) => {
      const page = await services.orgs.listMembers(ctxOf(request), request.query);
      return { ...page, items: page.items.map(presentMember) };
    },
  );

  app.get(
    '/users/:id',
    {
      preHandler: guards.user(),
      schema: {
        tags,
        summary: 'One member',
        security: sessionSecurity,
        params,
        response: { 200: memberSchema },
      },
    },
    async (request) => presentMember(await services.orgs.getMember(ctxOf(request), request.params.id)),
  );

  app.patch(
    '/users/:id',
    {
      preHandler: guards.user('admin'),
      schema: {
        tags,
        summary: "Change a member's role",
        security: sessionSecurity,
        params,
        body: updateMemberBody,
        response: { 200: memberSchema },
      },
    },
    async (request) =>
      presentMember(await services.orgs.changeRole(ctxOf(request), request.params.id, request.body.role)),
  );

  app.delete(
    '/users/:id',
    {
      preHandler: guards.user('admin'),
      schema: {
        tags,
        summary: 'Remove a member from the organization; their sessions in it end at once',
        security: sessionSecurity,
        params,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await services.orgs.removeMember(ctxOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}
