import { z } from 'zod';
import type { RouteDeps, ZApp } from '../../app.js';
import { actorCtxOf, sessionSecurity } from '../../platform/http/auth.js';
import { pageOf, pageQuery } from '../../platform/pagination.js';
import {
  agentParams,
  createCredentialBody,
  credentialParams,
  credentialSchema,
  issuedSchema,
  presentCredential,
  presentIssued,
  presentRotated,
  rotateBody,
  rotatedSchema,
} from './schema.js';

const tags = ['credentials'];
const security = sessionSecurity;

/** /v1/agents/{id}/credentials: what an agent authenticates with. Secrets appear only in answers here. */
export function registerCredentialRoutes(app: ZApp, { services, guards }: RouteDeps) {
  const { credentials } = services;

  app.post(
    '/agents/:id/credentials',
    {
      preHandler: guards.actor('manager', 'gatehouse:credentials.write'),
      schema: {
        tags,
        summary: 'Issue a credential: client_secret, api_key, or private_key_jwt (jwks or jwks_uri)',
        description: 'The client secret or API key is in this answer only; it cannot be read again.',
        security,
        params: agentParams,
        body: createCredentialBody,
        response: { 201: issuedSchema },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(presentIssued(await credentials.create(actorCtxOf(request), request.params.id, request.body))),
  );

  app.get(
    '/agents/:id/credentials',
    {
      preHandler: guards.actor('viewer', 'gatehouse:agents.read'),
      schema: {
        tags,
        summary: "An agent's credentials with their status (never their secrets)",
        security,
        params: agentParams,
        querystring: pageQuery.strict(),
        response: { 200: pageOf(credentialSchema) },
      },
    },
    async (request) => {
      const page = await credentials.list(actorCtxOf(request), request.params.id, request.query);
      return { ...page, items: page.items.map(presentCredential) };
    },
  );

  app.post(
    '/agents/:id/credentials/:cid/rotate',
    {
      preHandler: guards.actor('manager', 'gatehouse:credentials.write'),
      schema: {
        tags,
        summary: 'A new secret; the previous one keeps working for grace_seconds',
        security,
        params: credentialParams,
        body: rotateBody,
        response: { 200: rotatedSchema },
      },
    },
    async (request) => {
      const { id, cid } = request.params;
      return presentRotated(
        await credentials.rotate(actorCtxOf(request), id, cid, request.body.grace_seconds),
      );
    },
  );

  app.delete(
    '/agents/:id/credentials/:cid',
    {
      preHandler: guards.actor('manager', 'gatehouse:credentials.write'),
      schema: {
        tags,
        summary: 'Revoke a credential at once (on every node)',
        security,
        params: credentialParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await credentials.revoke(actorCtxOf(request), request.params.id, request.params.cid);
      return reply.code(204).send(null);
    },
  );
}
