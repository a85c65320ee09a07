import { z } from 'zod';
import type { RouteDeps, ZApp } from '../../app.js';
import { ctxOf, sessionSecurity } from '../../platform/http/auth.js';
import { pageOf, pageQuery } from '../../platform/pagination.js';
import {
  createdTokenSchema,
  createTokenBody,
  presentSettings,
  presentToken,
  settingsBody,
  settingsSchema,
  tokenParams,
  tokenSchema,
} from './schema.js';

const tags = ['registration'];
const security = sessionSecurity;

/** /v1/registration: an admin turns dynamic client registration on and issues initial access tokens. */
export function registerRegistrationRoutes(app: ZApp, { services, guards }: RouteDeps) {
  const settings = services.registrationSettings;

  app.get(
    '/registration',
    {
      preHandler: guards.user('admin'),
      schema: {
        tags,
        summary: 'Whether clients may register themselves (RFC 7591), and the scopes they may get',
        security,
        response: { 200: settingsSchema },
      },
    },
    async (request) => presentSettings(await settings.settings(ctxOf(request))),
  );

  app.put(
    '/registration',
    {
      preHandler: guards.user('admin'),
      schema: {
        tags,
        summary: 'Turn dynamic client registration on or off and set the scopes registered clients get',
        security,
        body: settingsBody,
        response: { 200: settingsSchema },
      },
    },
    async (request) => presentSettings(await settings.updateSettings(ctxOf(request), request.body)),
  );

  app.post(
    '/registration/tokens',
    {
      preHandler: guards.user('admin'),
      schema: {
        tags,
        summary: 'Issue an initial access token for POST /oauth/register (7 days unless expires_at says)',
        description: 'The token is in this answer only; it cannot be read again.',
        security,
        body: createTokenBody,
        response: { 201: createdTokenSchema },
      },
    },
    async (request, reply) => {
      const { row, token } = await settings.createToken(ctxOf(request), request.body);
      return reply.code(201).send({ ...presentToken(row), token });
    },
  );

  app.get(
    '/registration/tokens',
    {
      preHandler: guards.user('admin'),
      schema: {
        tags,
        summary: 'Initial access tokens with their use count and status (never the tokens)',
        security,
        querystring: pageQuery.strict(),
        response: { 200: pageOf(tokenSchema) },
      },
    },
    async (request) => {
      const page = await settings.listTokens(ctxOf(request), request.query);
      return { ...page, items: page.items.map(presentToken) };
    },
  );

  app.delete(
    '/registration/tokens/:id',
    {
      preHandler: guards.user('admin'),
      schema: {
        tags,
        summary: 'Revoke an initial access token at once',
        security,
        params: tokenParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await settings.revokeToken(ctxOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}
