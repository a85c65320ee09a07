import { z } from 'zod';
import type { RouteDeps, ZApp } from '../../app.js';
import { ctxOf, sessionSecurity } from '../../platform/http/auth.js';
import { ALGORITHMS } from './algorithms.js';

const tags = ['keys'];
const keySchema = z.object({
  kid: z.string(),
  alg: z.enum(ALGORITHMS),
  status: z.enum(['pending', 'active', 'retired']),
  created_at: z.string(),
  activates_at: z.string(),
  publish_until: z.string().nullable(),
});
const present = (k: {
  kid: string;
  alg: (typeof ALGORITHMS)[number];
  status: 'pending' | 'active' | 'retired';
  created_at: Date;
  activates_at: Date;
  publish_until: Date | null;
}) => ({
  kid: k.kid,
  alg: k.alg,
  status: k.status,
  created_at: k.created_at.toISOString(),
  activates_at: k.activates_at.toISOString(),
  publish_until: k.publish_until?.toISOString() ?? null,
});

/** The public JWKS (outside /v1) and the org admin's view of its signing keys. */
export function registerJwksRoute(app: ZApp, { services }: Pick<RouteDeps, 'services'>) {
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags,
        summary: 'Public keys that verify Gatehouse tokens (RFC 7517)',
        response: { 200: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }) },
      },
    },
    async (_request, reply) => {
      // Short: new keys are published ahead of use, and verifiers refetch on an unknown kid.
      reply.header('cache-control', 'public, max-age=60');
      return services.keys.jwks();
    },
  );
}

export function registerKeyRoutes(app: ZApp, { services, guards }: RouteDeps) {
  app.get(
    '/admin/keys',
    {
      preHandler: guards.user('admin'),
      schema: {
        tags,
        summary: "The organization's token signing keys",
        security: sessionSecurity,
        response: { 200: z.object({ items: z.array(keySchema) }) },
      },
    },
    async (request) => ({ items: (await services.keys.list(ctxOf(request).principal.orgId)).map(present) }),
  );

  app.post(
    '/admin/keys/rotate',
    {
      preHandler: guards.user('admin'),
      schema: {
        tags,
        summary:
          'Rotate the signing key: the new key is published now and signs after the publish-ahead delay',
        security: sessionSecurity,
        body: z.object({ alg: z.enum(ALGORITHMS).optional() }).strict(),
        response: { 201: keySchema },
      },
    },
    async (request, reply) => {
      const { principal, meta } = ctxOf(request);
      const key = await services.keys.rotate(principal.orgId, {
        ...(request.body.alg ? { alg: request.body.alg } : {}),
        actor: { type: 'user', id: principal.userId },
        meta,
      });
      const listed = (await services.keys.list(principal.orgId)).find((k) => k.kid === key?.kid);
      if (!listed) throw new Error('rotated key not found');
      return reply.code(201).send(present(listed));
    },
  );
}
