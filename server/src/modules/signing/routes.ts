import { z } from 'zod';
import type { RouteDeps, ZApp } from '../../app.js';
import { actorOf } from '../../platform/context.js';
import { actorCtxOf, sessionSecurity } from '../../platform/http/auth.js';
import { pageOf, pageQuery } from '../../platform/pagination.js';
import {
  agentParams,
  checkSchema,
  createKeyBody,
  issuedKeySchema,
  keyParams,
  keySchema,
  policyBody,
  policySchema,
  presentIssuedKey,
  rotatedKeySchema,
  rotateKeyBody,
} from './schema.js';

const tags = ['command signing'];
const security = sessionSecurity;

/**
 * /v1/agents/{id}/signing-keys and /signing-policy: an agent's HMAC signing keys (the secret
 * appears only in the answers to create and rotate) and whether its calls must be signed; and
 * /v1/signing/check, where an agent tests a signed call.
 */
export function registerSigningRoutes(app: ZApp, { services, guards }: RouteDeps) {
  const { signing } = services;
  const write = guards.actor('manager', 'gatehouse:credentials.write');
  const read = guards.actor('viewer', 'gatehouse:agents.read');

  app.post(
    '/agents/:id/signing-keys',
    {
      preHandler: write,
      schema: {
        tags,
        summary: 'Generate a command signing key (an HMAC secret of 256 bits)',
        description: 'The secret is in this answer only; it cannot be read again.',
        security,
        params: agentParams,
        body: createKeyBody,
        response: { 201: issuedKeySchema },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(presentIssuedKey(await signing.create(actorCtxOf(request), request.params.id, request.body))),
  );

  app.get(
    '/agents/:id/signing-keys',
    {
      preHandler: read,
      schema: {
        tags,
        summary: "An agent's signing keys with their status (never their secrets)",
        security,
        params: agentParams,
        querystring: pageQuery.strict(),
        response: { 200: pageOf(keySchema) },
      },
    },
    async (request) => signing.list(actorCtxOf(request), request.params.id, request.query),
  );

  app.post(
    '/agents/:id/signing-keys/:kid/rotate',
    {
      preHandler: write,
      schema: {
        tags,
        summary: 'A new signing key; the rotated one keeps verifying for grace_seconds',
        security,
        params: keyParams,
        body: rotateKeyBody,
        response: { 200: rotatedKeySchema },
      },
    },
    async (request) => {
      const { id, kid } = request.params;
      const r = await signing.rotate(actorCtxOf(request), id, kid, request.body.grace_seconds);
      return {
        ...presentIssuedKey(r),
        replaces: r.replaces,
        previous_valid_until: r.previousValidUntil.toISOString(),
      };
    },
  );

  app.delete(
    '/agents/:id/signing-keys/:kid',
    {
      preHandler: write,
      schema: {
        tags,
        summary: 'Revoke a signing key at once (on every node)',
        security,
        params: keyParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await signing.revoke(actorCtxOf(request), request.params.id, request.params.kid);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/agents/:id/signing-policy',
    {
      preHandler: read,
      schema: {
        tags,
        summary: "Whether the agent's calls must be signed: never, always, or for listed actions",
        security,
        params: agentParams,
        response: { 200: policySchema },
      },
    },
    async (request) => signing.getPolicy(actorCtxOf(request), request.params.id),
  );

  app.put(
    '/agents/:id/signing-policy',
    {
      preHandler: write,
      schema: {
        tags,
        summary: "Set whether the agent's calls must be signed",
        security,
        params: agentParams,
        body: policyBody,
        response: { 200: policySchema },
      },
    },
    async (request) => signing.setPolicy(actorCtxOf(request), request.params.id, request.body),
  );

  // Its own plugin: the signature covers the body's exact bytes, so this route takes any body
  // as a Buffer instead of parsed JSON, without changing how the rest of the API parses.
  void app.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    raw.post(
      '/signing/check',
      {
        preHandler: guards.agent(),
        schema: {
          tags,
          summary: 'Check a signed call: verifies the signature for the action signing.check',
          description:
            "Any body, any content type. Answers 200 when the call would pass the agent's policy " +
            'with this signature (or without one where signing is optional), else the refusal.',
          security: [{ bearer: [] }],
          response: { 200: checkSchema },
        },
      },
      async (request) => {
        const principal = request.principal;
        if (principal?.type !== 'agent') throw new Error('guards.agent sets an agent principal');
        const verified = await signing.verifyCommand({
          orgId: principal.orgId,
          // For a delegated token, the agent making the call signs it: the actor.
          agentId: actorOf(principal).id,
          action: 'signing.check',
          method: request.method,
          pathWithQuery: request.url,
          headers: request.headers,
          body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
        });
        return { ok: true as const, key_id: verified.keyId };
      },
    );
  });
}
