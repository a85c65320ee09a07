import { z } from 'zod';
import type { RouteDeps, ZApp } from '../../app.js';
import { actorCtxOf, sessionSecurity } from '../../platform/http/auth.js';
import { pageOf, pageQuery } from '../../platform/pagination.js';
import { presentCheckpoint } from './checkpoints.js';

const tags = ['audit'];
const security = sessionSecurity;
const SCOPE = 'gatehouse:audit.read';

const checkpointSchema = z.object({
  id: z.string(),
  org_id: z.string().nullable(),
  seq: z.number().int(),
  hash: z.string(),
  at: z.string(),
  kid: z.string(),
  signature: z.string().describe('Ed25519 signature of `payload` (its UTF-8 bytes), base64url'),
  payload: z.string().describe('the exact signed string: RFC 8785 canonical JSON of {org_id, seq, hash, at}'),
});
const jwksSchema = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });

/** The audit keys' JWKS for anyone, outside /v1: what an outside party verifies checkpoints with. */
export function registerAuditKeysWellKnown(app: ZApp, { services }: Pick<RouteDeps, 'services'>) {
  app.get(
    '/.well-known/gatehouse-audit-keys.json',
    {
      schema: {
        tags,
        summary: 'Public keys that verify audit checkpoints and prune records (RFC 7517)',
        response: { 200: jwksSchema },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return services.auditKeys.jwks();
    },
  );
}

/** /v1/audit/checkpoints and /v1/audit/keys: signed chain heads, for admins and audit agents. */
export function registerCheckpointRoutes(app: ZApp, { services, guards }: RouteDeps) {
  const { auditCheckpoints, auditKeys } = services;

  app.get(
    '/audit/keys',
    {
      preHandler: guards.actor('admin', SCOPE),
      schema: {
        tags,
        summary: 'Public keys that verify audit checkpoints and prune records (JWKS)',
        security,
        response: { 200: jwksSchema },
      },
    },
    async () => auditKeys.jwks(),
  );

  app.get(
    '/audit/checkpoints',
    {
      preHandler: guards.actor('admin', SCOPE),
      schema: {
        tags,
        summary: "The org's signed checkpoints, newest first",
        description:
          'Each carries the exact signed `payload`: with `signature`, `kid` and the JWKS at `/.well-known/gatehouse-audit-keys.json` anyone can check it.',
        security,
        querystring: pageQuery.strict(),
        response: { 200: pageOf(checkpointSchema) },
      },
    },
    async (request) => auditCheckpoints.list(actorCtxOf(request).principal.orgId, request.query),
  );

  app.post(
    '/audit/checkpoints',
    {
      // A checkpoint only states what the chain already holds, and none is made unless the chain
      // moved: audit readers may take them as well as admins.
      preHandler: guards.actor('admin', SCOPE),
      schema: {
        tags,
        summary: "Checkpoint the org's chain now",
        description:
          '201 with the new checkpoint, or 200 with the latest one when nothing but that checkpoint was recorded since. 409 `audit_chain_broken` when the records since the latest checkpoint do not verify.',
        security,
        body: z.object({}).strict().nullish(),
        response: { 200: checkpointSchema, 201: checkpointSchema },
      },
    },
    async (request, reply) => {
      const { checkpoint, created } = await auditCheckpoints.create(actorCtxOf(request));
      return reply.code(created ? 201 : 200).send(presentCheckpoint(checkpoint));
    },
  );
}
