import { z } from 'zod';
import type { RouteDeps, ZApp } from '../../app.js';
import { ctxOf, sessionSecurity } from '../../platform/http/auth.js';
import { pageOf } from '../../platform/pagination.js';
import {
  agentParams,
  createIntegrationBody,
  egressBody,
  egressSchema,
  grantParams,
  grantSchema,
  integrationParams,
  integrationSchema,
  listQuery,
  presentGrant,
  presentIntegration,
  updateIntegrationBody,
} from './schema.js';

const tags = ['vault'];
const security = sessionSecurity;

/**
 * /v1/integrations, their grants, and /v1/egress. Admins only, signed in: these routes hold the
 * keys to third-party accounts, so no agent token reaches them. Credentials are write-only: every
 * answer goes through presentIntegration and integrationSchema, neither of which has a field for one.
 */
export function registerVaultRoutes(app: ZApp, { services, guards }: RouteDeps) {
  const { vault } = services;
  const admin = guards.user('admin');

  app.post(
    '/integrations',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'Add an integration: a third-party API and the credential the gateway calls it with',
        description:
          'The credential (value, token, password or client_secret) is sealed and never returned by any API.',
        security,
        body: createIntegrationBody,
        response: { 201: integrationSchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(presentIntegration(await vault.create(ctxOf(request), request.body))),
  );

  app.get(
    '/integrations',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'List integrations',
        security,
        querystring: listQuery,
        response: { 200: pageOf(integrationSchema) },
      },
    },
    async (request) => {
      const page = await vault.list(ctxOf(request), request.query);
      return { ...page, items: page.items.map(presentIntegration) };
    },
  );

  app.get(
    '/integrations/:id',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'One integration (metadata; never its credential)',
        security,
        params: integrationParams,
        response: { 200: integrationSchema },
      },
    },
    async (request) => presentIntegration(await vault.get(ctxOf(request), request.params.id)),
  );

  app.patch(
    '/integrations/:id',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'Change an integration; `auth` with its credential replaces the credential',
        security,
        params: integrationParams,
        body: updateIntegrationBody,
        response: { 200: integrationSchema },
      },
    },
    async (request) =>
      presentIntegration(await vault.update(ctxOf(request), request.params.id, request.body)),
  );

  app.delete(
    '/integrations/:id',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'Delete an integration, its credential and its grants',
        security,
        params: integrationParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await vault.remove(ctxOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/integrations/:id/grants',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'The agents that may call the integration through the gateway',
        security,
        params: integrationParams,
        querystring: listQuery,
        response: { 200: pageOf(grantSchema) },
      },
    },
    async (request) => {
      const page = await vault.listGrants(ctxOf(request), request.params.id, request.query);
      return { ...page, items: page.items.map(presentGrant) };
    },
  );

  app.put(
    '/integrations/:id/grants/:agent_id',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'Let an agent call the integration (201 when granted now, 200 when it already could)',
        security,
        params: grantParams,
        response: { 200: grantSchema, 201: grantSchema },
      },
    },
    async (request, reply) => {
      const { grant, created } = await vault.grant(
        ctxOf(request),
        request.params.id,
        request.params.agent_id,
      );
      return reply.code(created ? 201 : 200).send(presentGrant(grant));
    },
  );

  app.delete(
    '/integrations/:id/grants/:agent_id',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'Stop an agent calling the integration, on every node at once',
        security,
        params: grantParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await vault.revoke(ctxOf(request), request.params.id, request.params.agent_id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/agents/:id/integrations',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'The integrations an agent may call',
        security,
        params: agentParams,
        querystring: listQuery,
        response: { 200: pageOf(integrationSchema) },
      },
    },
    async (request) => {
      const page = await vault.agentIntegrations(ctxOf(request), request.params.id, request.query);
      return { ...page, items: page.items.map(presentIntegration) };
    },
  );

  app.get(
    '/egress',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: "The org's egress policy: hosts integrations may reach, private addresses allowed",
        security,
        response: { 200: egressSchema },
      },
    },
    async (request) => vault.getEgress(ctxOf(request)),
  );

  app.put(
    '/egress',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: "Replace the org's egress policy",
        description:
          'hosts: exact hosts or `*.example.com`; empty allows any public host over https. allow_private: IPs or CIDRs of private, loopback or link-local addresses integrations may reach.',
        security,
        body: egressBody,
        response: { 200: egressSchema },
      },
    },
    async (request) => vault.putEgress(ctxOf(request), request.body),
  );
}
