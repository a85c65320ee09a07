import { z } from 'zod';
import type { RouteDeps, ZApp } from '../../app.js';
import { actorCtxOf, sessionSecurity } from '../../platform/http/auth.js';
import { pageOf } from '../../platform/pagination.js';
import { createDelegationBody, delegationParams, delegationSchema, listDelegationsQuery } from './schema.js';

const tags = ['delegations'];
const security = sessionSecurity;

/** /v1/delegations: admins grant agents the right to act for a subject through token exchange. */
export function registerDelegationRoutes(app: ZApp, { services, guards }: RouteDeps) {
  const { delegations } = services;
  const write = guards.actor('admin', 'gatehouse:delegations.write');
  const read = guards.actor('admin', 'gatehouse:delegations.write');

  app.post(
    '/delegations',
    {
      preHandler: write,
      schema: {
        tags,
        summary: 'Let an agent act for a subject (an agent or a user) through token exchange',
        security,
        body: createDelegationBody,
        response: { 201: delegationSchema },
      },
    },
    async (request, reply) => {
      const d = await delegations.create(actorCtxOf(request), request.body);
      return reply.code(201).send(delegations.present(d));
    },
  );

  app.get(
    '/delegations',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'List delegation grants',
        security,
        querystring: listDelegationsQuery,
        response: { 200: pageOf(delegationSchema) },
      },
    },
    async (request) => {
      const page = await delegations.list(actorCtxOf(request), request.query);
      return { ...page, items: page.items.map(delegations.present) };
    },
  );

  app.get(
    '/delegations/:id',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'One delegation grant',
        security,
        params: delegationParams,
        response: { 200: delegationSchema },
      },
    },
    async (request) => delegations.present(await delegations.get(actorCtxOf(request), request.params.id)),
  );

  app.delete(
    '/delegations/:id',
    {
      preHandler: write,
      schema: {
        tags,
        summary: 'Revoke a delegation grant: no new exchanges under it',
        security,
        params: delegationParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await delegations.revoke(actorCtxOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}
