import { z } from 'zod';
import type { RouteDeps, ZApp } from '../../app.js';
import { unauthorized } from '../../platform/errors.js';
import { metaOf } from '../../platform/http/auth.js';
import { OAuthError } from './errors.js';

const sessionAnswer = z.object({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number(),
  expires_at: z.string(),
  scope: z.string(),
});

/** `POST /v1/sessions`: an agent trades its API key for a short-lived access token. */
export function registerAgentSessionRoutes(app: ZApp, { services }: RouteDeps) {
  app.post(
    '/sessions',
    {
      schema: {
        tags: ['oauth'],
        summary: 'Trade an agent API key (Authorization: Bearer gh_…) for a 15-minute access token',
        security: [{ bearer: [] }],
        response: { 200: sessionAnswer },
      },
    },
    async (request, reply) => {
      const refuse = () => {
        reply.header('www-authenticate', 'Bearer error="invalid_token"');
        return unauthorized('invalid_api_key', 'A valid agent API key is required');
      };
      const key = request.headers.authorization?.match(/^Bearer (\S+)$/)?.[1];
      const client = key ? await services.credentials.authenticateApiKey(key) : undefined;
      if (!client) throw refuse();
      try {
        return await services.tokens.apiKeySession(client, metaOf(request));
      } catch (err) {
        if (err instanceof OAuthError && err.code === 'invalid_client') throw refuse();
        throw err;
      }
    },
  );
}
